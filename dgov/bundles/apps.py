from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BundlesConfig(AppConfig):
    name = "dgov.bundles"
    label = "bundles"
    verbose_name = _("Bundled services")

    def ready(self) -> None:
        # Connects the receiver that follows a bundle's child cases (dgov.cases.signals).
        from dgov.bundles import receivers  # noqa: F401
