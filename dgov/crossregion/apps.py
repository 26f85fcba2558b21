from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrossregionConfig(AppConfig):
    name = "dgov.crossregion"
    label = "crossregion"
    verbose_name = _("Cross-region handling")

    def ready(self) -> None:
        from dgov.cases.signals import case_event_committed
        from dgov.crossregion.receivers import case_event_committed_received

        # The handling side reports a handed-over case's progress back to the receiving region.
        case_event_committed.connect(case_event_committed_received, dispatch_uid="crossregion.status_report")
