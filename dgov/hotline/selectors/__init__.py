"""Every read of the hotline that crosses relations or checks access; views, the API and Open311
call these. Who sees what: dgov.hotline.selectors.tickets.

- ``tickets``: access (ticket_scope), one ticket or a list for a user, a caller, a department's
  queue or the public (message board, Open311, follow-up by number and code, receipts).
- ``actions``: which actions a user may take on a ticket now.
- ``timeline``: a ticket's steps, for staff or for the public.
- ``matching``: duplicates (并单 candidates), knowledge-base search, the call console's hints.
- ``catalogue``: the console's knowledge base, dispatch catalogue and time limits.
"""

from dgov.hotline.selectors.actions import TicketActions, ticket_actions_for_user
from dgov.hotline.selectors.catalogue import (
    article_get_for_user,
    article_list_for_user,
    dispatch_rule_get,
    dispatch_rule_list,
    knowledge_department_list_for_user,
    time_limit_get,
    time_limit_list,
)
from dgov.hotline.selectors.matching import (
    DUPLICATE_MAX,
    DUPLICATE_MIN_OVERLAP,
    DUPLICATE_SCAN,
    DUPLICATE_WINDOW_DAYS,
    Duplicate,
    article_search,
    call_hints,
    duplicates_for,
    topic_tokens,
)
from dgov.hotline.selectors.tickets import (
    FINISHED,
    caller_view,
    department_queue,
    handling_departments,
    sees_all_tickets,
    ticket_get_for_caller,
    ticket_get_for_receipt,
    ticket_get_for_user,
    ticket_list_board,
    ticket_list_for_caller,
    ticket_list_for_user,
    ticket_list_public,
    ticket_lookup,
    ticket_scope,
)
from dgov.hotline.selectors.timeline import PUBLIC_KINDS, Step, ticket_timeline

__all__ = [
    "DUPLICATE_MAX",
    "DUPLICATE_MIN_OVERLAP",
    "DUPLICATE_SCAN",
    "DUPLICATE_WINDOW_DAYS",
    "FINISHED",
    "PUBLIC_KINDS",
    "Duplicate",
    "Step",
    "TicketActions",
    "article_get_for_user",
    "article_list_for_user",
    "article_search",
    "call_hints",
    "caller_view",
    "department_queue",
    "dispatch_rule_get",
    "dispatch_rule_list",
    "duplicates_for",
    "handling_departments",
    "knowledge_department_list_for_user",
    "sees_all_tickets",
    "ticket_actions_for_user",
    "ticket_get_for_caller",
    "ticket_get_for_receipt",
    "ticket_get_for_user",
    "ticket_list_board",
    "ticket_list_for_caller",
    "ticket_list_for_user",
    "ticket_list_public",
    "ticket_lookup",
    "ticket_scope",
    "ticket_timeline",
    "time_limit_get",
    "time_limit_list",
    "topic_tokens",
]
