from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicencesConfig(AppConfig):
    name = "dgov.licences"
    label = "licences"
    verbose_name = _("E-licences and e-seals")
