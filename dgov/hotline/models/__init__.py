"""12345 hotline: tickets, the category tree and dispatch catalogue, the knowledge base, and the
trail of a ticket's closed loop (受理、派单、签收、办理、答复、督办、办结、回访、评价).

Every write goes through dgov.hotline.services; reads that check access through selectors.
"""

from dgov.hotline.models.catalogue import Category, DispatchRule
from dgov.hotline.models.knowledge import Article
from dgov.hotline.models.learning import ClassifierModel
from dgov.hotline.models.limits import TimeLimit
from dgov.hotline.models.tickets import (
    ADDRESS_MAX,
    DESCRIPTION_MAX,
    REPLY_MAX,
    TITLE_MAX,
    Assignment,
    Callback,
    Extension,
    Ticket,
    TicketEscalation,
    TicketEvent,
    TicketNumberSequence,
)

__all__ = [
    "ADDRESS_MAX",
    "DESCRIPTION_MAX",
    "REPLY_MAX",
    "TITLE_MAX",
    "Article",
    "Assignment",
    "Callback",
    "Category",
    "ClassifierModel",
    "DispatchRule",
    "Extension",
    "Ticket",
    "TicketEscalation",
    "TicketEvent",
    "TicketNumberSequence",
    "TimeLimit",
]
