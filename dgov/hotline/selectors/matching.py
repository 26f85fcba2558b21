"""What a ticket resembles: open tickets about the same place and topic (并单 candidates), the
knowledge base's answers, and the hints the call console shows while the caller speaks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from dgov.core.segmentation import segment
from dgov.hotline import classifier, places
from dgov.hotline.dispatch import department_for
from dgov.hotline.models import DESCRIPTION_MAX, Article, Category, Ticket

DUPLICATE_WINDOW_DAYS = 30
DUPLICATE_MIN_OVERLAP = 0.3
DUPLICATE_MAX = 5
DUPLICATE_SCAN = 100
HINT_FIELD_MAX = 200
HINT_SUGGESTIONS = 3
HINT_ARTICLES = 3
# Fewer characters than this say too little for the classifier to guess from.
HINT_MIN_DESCRIPTION = 4


@dataclass(frozen=True)
class Duplicate:
    ticket: Ticket
    overlap: float


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def topic_tokens(title: str, description: str) -> str:
    """The words duplicate detection compares (stored on the ticket when it is registered)."""
    return " ".join(segment(f"{title} {description[:2000]}"))


def duplicates_for(ticket: Ticket) -> list[Duplicate]:
    """Open tickets about the same place and topic (并单 candidates), most similar first.

    Same place: the same resolved community/subdistrict, or the same address text; same topic:
    the same category (the chosen one, else the suggested one) when known, and at least
    DUPLICATE_MIN_OVERLAP of their words (jieba tokens of title and description, Jaccard) in
    common. Registered in the last DUPLICATE_WINDOW_DAYS days; the newest DUPLICATE_SCAN
    candidates are compared."""
    place = Q()
    if ticket.region_id is not None:
        place |= Q(region_id=ticket.region_id)
    if ticket.address.strip():
        place |= Q(address=ticket.address.strip())
    if not place:
        return []
    since = ticket.created_at - timedelta(days=DUPLICATE_WINDOW_DAYS)
    qs = Ticket.objects.filter(place, status__in=Ticket.OPEN_STATUSES, created_at__gte=since).exclude(pk=ticket.pk)
    topic = ticket.category_id or ticket.suggested_category_id
    if topic is not None:
        qs = qs.filter(Q(category_id=topic) | Q(category__isnull=True, suggested_category_id=topic))
    mine = set((ticket.topic_tokens or topic_tokens(ticket.title, ticket.description)).split())
    found = []
    for other in qs.select_related("category", "department").order_by("-created_at")[:DUPLICATE_SCAN]:
        theirs = set((other.topic_tokens or topic_tokens(other.title, other.description)).split())
        score = _overlap(mine, theirs)
        if score >= DUPLICATE_MIN_OVERLAP:
            found.append(Duplicate(ticket=other, overlap=round(score, 2)))
    found.sort(key=lambda d: (-d.overlap, -d.ticket.pk))
    return found[:DUPLICATE_MAX]


def article_search(*, query: str, limit: int = 10, include_drafts: bool = False) -> list[Article]:
    """Published knowledge articles matching the query's words, best first (title words count 3×)."""
    tokens = [t for t in segment(query[:200]) if len(t) > 1 or not t.isascii()][:12]
    qs = Article.objects.select_related("department", "category")
    if not include_drafts:
        today = timezone.localdate()
        qs = qs.filter(status=Article.Status.PUBLISHED).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    if not tokens:
        return list(qs.order_by("-uses", "-updated_at")[:limit]) if not query.strip() else []
    match = Q()
    for token in tokens:
        match |= Q(title_tokens__contains=f" {token} ") | Q(body_tokens__contains=f" {token} ")
    scored = []
    for article in qs.filter(match)[:500]:
        score = sum(3 * (f" {t} " in article.title_tokens) + (f" {t} " in article.body_tokens) for t in tokens)
        scored.append((score, article.uses, article.pk, article))
    scored.sort(key=lambda s: (-s[0], -s[1], -s[2]))
    return [s[3] for s in scored[:limit]]


def call_hints(
    *, description: str, title: str = "", address: str = "", category_code: str = "", ticket_type: str = ""
) -> dict[str, Any]:
    """The call console's hints for what has been typed: the classifier's suggestions with the
    department each would go to, knowledge-base answers, and open tickets that look the same."""
    description = description[:DESCRIPTION_MAX].strip()
    title = title[:HINT_FIELD_MAX].strip()
    address = address[:HINT_FIELD_MAX].strip()
    region = places.region_from_address(address)
    chosen = Category.objects.filter(code=category_code[:6], level=3, active=True).first()
    suggestions: list[dict[str, Any]] = []
    found = (
        classifier.suggest(f"{title}\n{description}", top=HINT_SUGGESTIONS)
        if len(description) >= HINT_MIN_DESCRIPTION
        else None
    )
    if found is not None:
        codes = [code for code, _p in found.ranked]
        leaves = {c.code: c for c in Category.objects.filter(code__in=codes, level=3, active=True)}
        for code, probability in found.ranked:
            if code in leaves:
                category = leaves[code]
                suggestions.append(
                    {"category": category, "confidence": probability, "department": department_for(category, region)}
                )
    duplicates: list[Duplicate] = []
    if description and (region is not None or address):
        # Not saved: a ticket-shaped question for duplicates_for.
        transient = Ticket(
            title=title or description[:30],
            description=description,
            address=address,
            region=region,
            category=chosen,
            suggested_category=suggestions[0]["category"] if suggestions else None,
            created_at=timezone.now(),
        )
        duplicates = duplicates_for(transient)
    return {
        "suggestions": suggestions,
        "classifier_version": found.version if found is not None else "",
        "chosen": {"category": chosen, "department": department_for(chosen, region)} if chosen else None,
        "region": region,
        "articles": article_search(query=description, limit=HINT_ARTICLES) if description else [],
        "duplicates": duplicates,
        "is_consult": ticket_type == Ticket.Type.CONSULT,
        "typed": bool(description),
    }
