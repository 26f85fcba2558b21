"""The hotline's reference data: the category tree, the dispatch catalogue (派单目录), time limits
and the knowledge base (知识库). Every change is audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import Department, Region, User
from dgov.accounts.permissions import Perm, has_perm
from dgov.audit import record
from dgov.core.errors import ApplicationError, ConflictError
from dgov.core.segmentation import token_column
from dgov.hotline.deadlines import DEFAULT_LIMITS
from dgov.hotline.models import Article, Category, DispatchRule, TimeLimit
from dgov.hotline.numbering import hotline_region_code
from dgov.hotline.services.common import deny, text


def _code_level(code: str) -> int:
    if len(code) != 6 or not code.isdigit() or code[:2] == "00":
        return 0
    if code[2:] == "0000":
        return 1
    if code[4:] == "00":
        return 2 if code[2:4] != "00" else 0
    return 3 if code[2:4] != "00" else 0


def _parent_code(code: str, level: int) -> str | None:
    return None if level == 1 else (code[:2] + "0000" if level == 2 else code[:4] + "00")


def categories_load(rows: list[dict[str, Any]], *, actor: User | None = None) -> int:
    """Create or update the category tree from rows (see dgov/hotline/data/categories.json): every
    row checked first, nothing written if any is wrong. Returns the number of rows."""
    errors: list[str] = []
    departments = {d.code: d for d in Department.objects.all()}
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        code = str(row.get("code", ""))
        level = _code_level(code)
        if not level:
            errors.append(_("Row %(n)d: “%(code)s” is not a 6-digit 2+2+2 code.") % {"n": n, "code": code[:10]})
            continue
        parent = _parent_code(code, level)
        if parent is not None and parent not in seen:
            errors.append(
                _("Row %(n)d: the parent %(parent)s of %(code)s comes first.")
                % {"n": n, "parent": parent, "code": code}
            )
        if not str(row.get("name", "")).strip():
            errors.append(_("Row %(n)d: the name is missing.") % {"n": n})
        if level == 3 and row.get("department") not in departments:
            errors.append(
                _("Row %(n)d: unknown department %(department)s.")
                % {"n": n, "department": str(row.get("department"))[:32]}
            )
        if code in seen:
            errors.append(_("Row %(n)d: %(code)s appears twice.") % {"n": n, "code": code})
        seen.add(code)
    if errors:
        raise ApplicationError(" ".join(errors[:20]), code="invalid_categories")
    with transaction.atomic():
        by_code = {c.code: c for c in Category.objects.all()}
        for row in rows:
            code = str(row["code"])
            level = _code_level(code)
            parent_code = _parent_code(code, level)
            values = {
                "name": str(row["name"]).strip()[:60],
                "name_en": str(row.get("name_en", "")).strip()[:100],
                "level": level,
                "parent": by_code[parent_code] if parent_code else None,
                "department": departments.get(row.get("department", "")) if level == 3 else None,
                "by_subdistrict": bool(row.get("by_subdistrict", False)) if level == 3 else False,
                "keywords": str(row.get("keywords", "")).strip()[:200],
                "active": bool(row.get("active", True)),
            }
            category, _created = Category.objects.update_or_create(code=code, defaults=values)
            by_code[code] = category
        record(actor=actor, action="hotline.categories_load", detail={"rows": len(rows)})
    return len(rows)


def _require_supervisor(actor: User, action: str, request: HttpRequest | None) -> None:
    if not has_perm(actor, Perm.HOTLINE_SUPERVISE):
        deny(actor, action, None, request)


def dispatch_rule_save(
    *,
    actor: User,
    category: Category,
    region: Region | None,
    department: Department,
    note: str = "",
    request: HttpRequest | None = None,
) -> DispatchRule:
    """Add or change the catalogue line for a leaf category and a place (or anywhere)."""
    _require_supervisor(actor, "hotline.dispatch_rule_save", request)
    if not category.is_leaf:
        raise ApplicationError(_("Dispatch rules are for categories of the last level."), code="category_not_leaf")
    if region is not None and not region.path.startswith(hotline_region_code()):
        raise ApplicationError(_("The place is outside the area this hotline serves."), code="outside_area")
    note = text(note, "note", limit=200, required=False)
    with transaction.atomic():
        rule, created = DispatchRule.objects.update_or_create(
            category=category,
            region=region,
            defaults={"department": department, "note": note, "updated_by": actor, "updated_at": timezone.now()},
        )
        record(
            actor=actor,
            action="hotline.dispatch_rule_save",
            target=rule,
            detail={
                "category": category.code,
                "region": region.code if region else None,
                "department": department.code,
                "created": created,
            },
            request=request,
        )
    return rule


def dispatch_rule_delete(*, actor: User, rule: DispatchRule, request: HttpRequest | None = None) -> None:
    _require_supervisor(actor, "hotline.dispatch_rule_delete", request)
    with transaction.atomic():
        record(
            actor=actor,
            action="hotline.dispatch_rule_delete",
            target=rule,
            detail={"category": rule.category.code, "region": rule.region.code if rule.region else None},
            request=request,
        )
        rule.delete()


def time_limit_save(
    *, actor: User, type: str, urgency: str, sign_days: int, reply_days: int, request: HttpRequest | None = None
) -> TimeLimit:
    """Set the time limits of a ticket type and urgency (applies to tickets dispatched from now on)."""
    _require_supervisor(actor, "hotline.time_limit_save", request)
    if (type, urgency) not in DEFAULT_LIMITS:
        raise ApplicationError(_("Unknown type or urgency."), code="invalid_choice")
    for name, value in (("sign_days", sign_days), ("reply_days", reply_days)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 60:
            message = _("Between 0 and 60 working days.")
            raise ApplicationError(message, code="invalid_days", field_errors={name: [message]})
    if sign_days > reply_days:
        message = _("Signing for cannot take longer than the reply.")
        raise ApplicationError(message, code="invalid_days", field_errors={"sign_days": [message]})
    with transaction.atomic():
        limit, _created = TimeLimit.objects.update_or_create(
            type=type,
            urgency=urgency,
            defaults={
                "sign_days": sign_days,
                "reply_days": reply_days,
                "updated_by": actor,
                "updated_at": timezone.now(),
            },
        )
        record(
            actor=actor,
            action="hotline.time_limit_save",
            target=limit,
            detail={"type": type, "urgency": urgency, "sign_days": sign_days, "reply_days": reply_days},
            request=request,
        )
    return limit


def article_save(
    *,
    actor: User | None,
    article: Article | None = None,
    title: str,
    answer: str,
    department: Department,
    category: Category | None = None,
    basis: str = "",
    keywords: str = "",
    valid_until: Any = None,
    publish: bool = False,
    request: HttpRequest | None = None,
) -> Article:
    """Write a knowledge article (new or changed); its search tokens are computed here. Departments'
    administrators keep their own department's answers; the hotline's dispatchers keep all."""
    if actor is not None and not has_perm(actor, Perm.HOTLINE_KNOWLEDGE, department=department):
        deny(actor, "hotline.article_save", None, request)
    title = text(title, "title", limit=200)
    answer = text(answer, "answer", limit=5000)
    basis = text(basis, "basis", limit=300, required=False)
    keywords = text(keywords, "keywords", limit=200, required=False)
    if category is not None and category.level != 3:
        raise ApplicationError(_("Choose a category of the last level."), code="category_not_leaf")
    with transaction.atomic():
        row = article or Article()
        if article is not None:
            row = Article.objects.select_for_update().get(pk=article.pk)
            if actor is not None and not has_perm(actor, Perm.HOTLINE_KNOWLEDGE, department=row.department):
                deny(actor, "hotline.article_save", None, request)
        row.title, row.answer, row.department, row.category = title, answer, department, category
        row.basis, row.keywords, row.valid_until = basis, keywords, valid_until or None
        row.title_tokens = token_column([title, keywords])
        row.body_tokens = token_column([answer, basis])
        if publish:
            row.status = Article.Status.PUBLISHED
        row.updated_by = actor
        row.updated_at = timezone.now()
        row.save()
        record(
            actor=actor,
            action="hotline.article_save",
            target=row,
            detail={"title": title[:60], "status": row.status, "department": department.code},
            request=request,
        )
    return row


def article_set_status(*, actor: User, article: Article, status: str, request: HttpRequest | None = None) -> Article:
    """Publish or withdraw a knowledge article."""
    if not has_perm(actor, Perm.HOTLINE_KNOWLEDGE, department=article.department):
        deny(actor, "hotline.article_status", None, request)
    if status not in Article.Status.values:
        raise ApplicationError(_("Unknown status."), code="invalid_choice")
    with transaction.atomic():
        updated = (
            Article.objects.filter(pk=article.pk)
            .exclude(status=status)
            .update(status=status, updated_by=actor, updated_at=timezone.now())
        )
        if not updated:
            raise ConflictError(_("The article already has that status."), code="same_status")
        record(actor=actor, action="hotline.article_status", target=article, detail={"status": status}, request=request)
    article.refresh_from_db()
    return article
