"""The hotline in the admin site: read-only, and without the callers' identity, their words or the
follow-up codes (those stay on the scoped hotline pages). Every write goes through
dgov.hotline.services and the console."""

from __future__ import annotations

from django.contrib import admin

from dgov.accounts.admin_site import AuditedModelAdmin, ReadOnlyAdminMixin
from dgov.hotline.models import (
    Article,
    Assignment,
    Callback,
    Category,
    ClassifierModel,
    DispatchRule,
    Extension,
    Ticket,
    TicketEscalation,
    TicketEvent,
    TimeLimit,
)


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("code", "name", "name_en", "level", "department", "by_subdistrict", "active")
    list_filter = ("level", "by_subdistrict", "active", "department")
    list_select_related = ("department",)
    search_fields = ("code", "name", "name_en", "keywords")
    fields = ("code", "name", "name_en", "level", "parent", "department", "by_subdistrict", "keywords", "active")


@admin.register(DispatchRule)
class DispatchRuleAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("category", "region", "department", "updated_by", "updated_at")
    list_filter = ("department",)
    list_select_related = ("category", "region", "department", "updated_by")
    search_fields = ("category__code", "category__name", "note")
    fields = ("category", "region", "department", "note", "updated_by", "updated_at")


@admin.register(TimeLimit)
class TimeLimitAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("type", "urgency", "sign_days", "reply_days", "updated_by", "updated_at")
    list_select_related = ("updated_by",)
    fields = ("type", "urgency", "sign_days", "reply_days", "updated_by", "updated_at")


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("title", "department", "category", "status", "valid_until", "uses", "updated_at")
    list_filter = ("status", "department")
    list_select_related = ("department", "category")
    search_fields = ("title", "keywords")
    fields = (
        "title",
        "answer",
        "category",
        "department",
        "basis",
        "keywords",
        "status",
        "valid_until",
        "uses",
        "updated_by",
        "updated_at",
    )


class AssignmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ("department", "role", "state", "dispatched_at", "signed_at", "replied_at")


class EventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ("at", "kind", "department")


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("number", "channel", "type", "urgency", "status", "category", "department", "created_at")
    list_filter = ("status", "channel", "type", "urgency", "resolution", "department")
    list_select_related = ("category", "department")
    search_fields = ("number",)
    date_hierarchy = "created_at"
    # The caller's name, phone and account, the message, the reply and the follow-up code are left
    # out on purpose.
    fields = (
        "number",
        "channel",
        "type",
        "urgency",
        "title",
        "status",
        "resolution",
        "anonymous",
        "confidential",
        "publish_consent",
        "published_at",
        "region",
        "category",
        "suggested_category",
        "suggestion_confidence",
        "classifier_version",
        "auto_dispatched",
        "department",
        "sign_due_at",
        "due_at",
        "reopened",
        "merged_into",
        "created_at",
        "dispatched_at",
        "signed_at",
        "replied_at",
        "closed_at",
    )
    inlines = (AssignmentInline, EventInline)


@admin.register(Extension)
class ExtensionAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("ticket", "days", "state", "requested_at", "due_before", "due_after", "decided_at")
    list_filter = ("state",)
    list_select_related = ("ticket",)
    fields = ("ticket", "days", "state", "requested_by", "requested_at", "due_before", "due_after", "decided_at")


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("ticket", "outcome", "reopened", "at")
    list_filter = ("outcome", "reopened")
    list_select_related = ("ticket",)
    fields = ("ticket", "operator", "outcome", "rating", "reopened", "at")


@admin.register(TicketEscalation)
class TicketEscalationAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("ticket", "level", "stage", "due_at", "department", "created_at", "notified")
    list_filter = ("level", "stage", "department")
    list_select_related = ("ticket", "department")
    fields = ("ticket", "level", "stage", "due_at", "department", "created_at", "notified")


@admin.register(ClassifierModel)
class ClassifierModelAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("version", "trained_at", "trained_by", "active")
    list_filter = ("active",)
    # The serialised model itself is not shown.
    fields = ("version", "digest", "metrics", "trained_at", "trained_by", "active")
