"""Every write of the 12345 hotline; callers import from here.

The closed loop (受理、派单、签收、办理、答复、督办、办结、回访、评价), as ticket statuses::

    registered ──dispatch──▶ dispatched ──sign──▶ handling ──reply──▶ replied ──callback──▶ closed
        │  (auto when the        │  ▲                │   ▲                 │
        │   classifier is sure)  │  └─return refused─┤   └──reopen (not solved)
        │                        └──return──▶ returned ──accepted: dispatch again (改派)
        ├──answered from the knowledge base on the call (一次办结)──────────────────────▶ closed
        └──merge (并单)──▶ merged (answered and closed with the ticket it joined)

Each function is one transaction: it locks the ticket row, checks the status under the lock (a
second person acting on the same ticket gets a ConflictError, not a double step), writes the
change, a timeline line (TicketEvent) and an audit event, and sends notices whose SMS copies go
out after commit. Permissions are checked here (dgov.accounts.permissions, Perm.HOTLINE_*); a
refusal is PermissionDenied, recorded as ``access.denied``.
"""

from dgov.hotline.services.catalogue import (
    article_save,
    article_set_status,
    categories_load,
    dispatch_rule_delete,
    dispatch_rule_save,
    time_limit_save,
)
from dgov.hotline.services.closing import (
    CallbackResult,
    has_contact,
    ticket_callback,
    ticket_close,
    tickets_close_unrated,
)
from dgov.hotline.services.handling import (
    extension_decide,
    extension_request,
    ticket_assist_reply,
    ticket_reply,
    ticket_return,
    ticket_return_review,
    ticket_sign,
)
from dgov.hotline.services.intake import (
    auto_dispatch_threshold,
    ticket_dispatch,
    ticket_merge,
    ticket_register,
)
from dgov.hotline.services.sweep import SweepReport, tickets_escalate_overdue
from dgov.hotline.services.ticket_input import TicketInput, category_leaf

__all__ = [
    "CallbackResult",
    "SweepReport",
    "TicketInput",
    "article_save",
    "article_set_status",
    "auto_dispatch_threshold",
    "categories_load",
    "category_leaf",
    "dispatch_rule_delete",
    "dispatch_rule_save",
    "extension_decide",
    "extension_request",
    "has_contact",
    "ticket_assist_reply",
    "ticket_callback",
    "ticket_close",
    "ticket_dispatch",
    "ticket_merge",
    "ticket_register",
    "ticket_reply",
    "ticket_return",
    "ticket_return_review",
    "ticket_sign",
    "tickets_close_unrated",
    "tickets_escalate_overdue",
    "time_limit_save",
]
