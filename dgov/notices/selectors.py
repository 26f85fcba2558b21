"""Reads of notices: a person sees their own, nobody else's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from dgov.notices.models import Notice


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def notice_list_for_user(*, user: Any) -> QuerySet[Notice]:
    """The user's notices, newest first."""
    if not _signed_in(user):
        return Notice.objects.none()
    return Notice.objects.filter(recipient=user).order_by("-created_at", "-id")


def notice_unread_count(*, user: Any) -> int:
    """How many of the user's notices are unread (one COUNT on the (recipient, read_at) index)."""
    if not _signed_in(user):
        return 0
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def notice_get_for_user(*, user: Any, pk: int) -> Notice:
    """One of the user's own notices, or 404 (also for another person's: their existence is not shown)."""
    if not _signed_in(user):
        raise Http404
    try:
        return Notice.objects.get(pk=pk, recipient=user)
    except Notice.DoesNotExist as exc:
        raise Http404 from exc
