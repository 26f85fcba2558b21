from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EsignConfig(AppConfig):
    name = "dgov.esign"
    label = "esign"
    verbose_name = _("Applicants' e-seals and e-signatures")
