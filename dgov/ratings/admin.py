"""Ratings in the admin site: read-only and without the rater's words or identity (the comment,
the appeal and the call-back stay on the department's pages, where access is scoped). Every
write goes through dgov.ratings.services and the pages."""

from __future__ import annotations

from django.contrib import admin

from dgov.accounts.admin_site import AuditedModelAdmin, ReadOnlyAdminMixin
from dgov.ratings.models import Exclusion, Rating, Rectification


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = (
        "pk",
        "level",
        "department",
        "item",
        "channel",
        "service_channel",
        "real_name",
        "created_at",
        "excluded_at",
    )
    list_filter = ("level", "channel", "service_channel", "real_name", "department")
    list_select_related = ("department", "item")
    fields = (
        "rated_type",
        "rated_id",
        "department",
        "item",
        "channel",
        "service_channel",
        "window_department",
        "level",
        "dimensions",
        "tags",
        "real_name",
        "created_at",
        "excluded_at",
    )


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("pk", "department", "state", "review_round", "resolution", "due_at", "created_at", "closed_at")
    list_filter = ("state", "resolution", "department")
    list_select_related = ("department",)
    fields = (
        "rating",
        "department",
        "state",
        "review_round",
        "due_at",
        "callback_verified",
        "called_back_at",
        "resolution",
        "explanation",
        "resolved_at",
        "reported_at",
        "appealed_at",
        "closed_at",
        "created_at",
    )


@admin.register(Exclusion)
class ExclusionAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("pk", "rating", "state", "proposed_by", "proposed_at", "decided_by", "decided_at")
    list_filter = ("state",)
    list_select_related = ("rating", "proposed_by", "decided_by")
    fields = ("rating", "state", "reason", "proposed_by", "proposed_at", "decided_by", "decided_at", "decision_note")
