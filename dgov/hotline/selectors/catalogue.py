"""Reads of the hotline console: the knowledge base as its keepers see it, the dispatch catalogue
(派单目录) and the time limits. The catalogue and the limits are the hotline's supervisors' pages
(Perm.HOTLINE_SUPERVISE, checked by the views' decorators)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from dgov.accounts.models import Department
from dgov.accounts.permissions import Perm, has_perm
from dgov.hotline.deadlines import DEFAULT_LIMITS
from dgov.hotline.models import Article, DispatchRule, Ticket, TimeLimit
from dgov.hotline.selectors.matching import article_search


def knowledge_department_list_for_user(user: Any) -> list[Department]:
    """The departments whose knowledge articles user keeps (all, for the hotline's dispatchers)."""
    return [
        d
        for d in Department.objects.select_related("region").order_by("code")
        if has_perm(user, Perm.HOTLINE_KNOWLEDGE, department=d)
    ]


def article_list_for_user(*, user: Any, query: str, limit: int) -> list[Article]:
    """The knowledge articles user keeps (drafts and withdrawn ones included) matching query, best first."""
    mine = {d.pk for d in knowledge_department_list_for_user(user)}
    return [a for a in article_search(query=query, limit=limit, include_drafts=True) if a.department_id in mine]


def article_get_for_user(*, user: Any, pk: int) -> Article:
    """The knowledge article if user keeps its department's articles, else Http404."""
    article = Article.objects.select_related("department__region", "category").filter(pk=pk).first()
    if article is None or not has_perm(user, Perm.HOTLINE_KNOWLEDGE, department=article.department):
        raise Http404
    return article


def dispatch_rule_list(*, top: str = "") -> list[DispatchRule]:
    """The dispatch catalogue by category and place; top: a top-level category's code to narrow to."""
    qs = DispatchRule.objects.select_related("category", "region__parent", "department", "updated_by")
    if top:
        qs = qs.filter(category__code__startswith=top[:2])
    return list(qs.order_by("category__code", "region__code"))


def dispatch_rule_get(*, pk: int) -> DispatchRule:
    """One rule of the dispatch catalogue, else Http404."""
    rule = DispatchRule.objects.select_related("category", "region", "department").filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule


def time_limit_list() -> list[dict[str, Any]]:
    """Each type and urgency with its sign-for and reply limits: the saved row, else the default."""
    saved = {(t.type, t.urgency): t for t in TimeLimit.objects.select_related("updated_by")}
    types, urgencies = dict(Ticket.Type.choices), dict(Ticket.Urgency.choices)
    rows = []
    for (type_, urgency), (sign, reply) in DEFAULT_LIMITS.items():
        row = saved.get((type_, urgency))
        rows.append(
            {
                "type": type_,
                "urgency": urgency,
                "type_label": types[type_],
                "urgency_label": urgencies[urgency],
                "sign_days": row.sign_days if row else sign,
                "reply_days": row.reply_days if row else reply,
                "default": (sign, reply),
                "saved": row,
            }
        )
    return rows


def time_limit_get(*, type: str, urgency: str) -> dict[str, Any]:
    """One row of time_limit_list, else Http404."""
    row = next((r for r in time_limit_list() if r["type"] == type and r["urgency"] == urgency), None)
    if row is None:
        raise Http404
    return row
