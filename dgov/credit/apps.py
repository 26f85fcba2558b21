from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "dgov.credit"
    label = "credit"
    verbose_name = _("Social credit: joint rewards and punishments")
