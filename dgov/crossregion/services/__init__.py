"""Every write of cross-region handling (跨域通办).

- ``peers``: this platform's exchange key (create, rotate), the peers it trusts, the copies of
  their items (``remote_items_sync``, ``remote_item_refresh``).
- ``outbound``: the receiving side — a clerk takes in an application for another region's item
  (``handover_create``), it is handed over (``handover_deliver``) and may be sent again
  (``handover_retry``).
- ``inbound``: any message a peer sends (``message_receive``): signature, deduplication, the case
  made here for a handover, a status applied to a handover.
- ``status``: the handling side's status reports (``status_report_for_case_event``,
  ``status_report_deliver``) and the receiving side's ``status_apply``.
- ``sending``: the outbox sweep ``send_pending``.

This package is the one place callers import them from.
"""

from dgov.crossregion.services.handover_delivery import handover_deliver
from dgov.crossregion.services.inbound import message_receive
from dgov.crossregion.services.outbound import handover_create, handover_retry
from dgov.crossregion.services.peers import (
    SyncError,
    exchange_key_ensure,
    exchange_key_rotate,
    peer_save,
    remote_item_refresh,
    remote_items_sync,
)
from dgov.crossregion.services.sending import send_pending
from dgov.crossregion.services.status import (
    status_report_deliver,
    status_report_for_case_event,
    status_reports_requeue_failed,
)

__all__ = [
    "SyncError",
    "exchange_key_ensure",
    "exchange_key_rotate",
    "handover_create",
    "handover_deliver",
    "handover_retry",
    "message_receive",
    "peer_save",
    "remote_item_refresh",
    "remote_items_sync",
    "send_pending",
    "status_report_deliver",
    "status_report_for_case_event",
    "status_reports_requeue_failed",
]
