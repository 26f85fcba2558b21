from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dgov.core"
    label = "core"
    verbose_name = "Core"
