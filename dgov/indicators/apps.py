from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "dgov.indicators"
    label = "indicators"
    verbose_name = _("Indicators")

    def ready(self) -> None:
        # Each app that feeds an indicator registers its measures in its own measures.py
        # (dgov.core.measures); importing those modules here is what registers them.
        autodiscover_modules("measures")
