from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "dgov.accounts"
    label = "accounts"
    verbose_name = _("Identity and access")

    def ready(self) -> None:
        from dgov.accounts import signals  # noqa: F401  (login/logout/failed-login audit)
