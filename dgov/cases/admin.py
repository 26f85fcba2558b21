"""Cases in the admin site: read-only and without personal data (the form, the files and the
verification code stay in the case pages, where access is scoped and reads are recorded)."""

from __future__ import annotations

from django.contrib import admin

from dgov.accounts.admin_site import AuditedModelAdmin, ReadOnlyAdminMixin
from dgov.cases.models import Case


@admin.register(Case)
class CaseAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("number", "item", "department", "status", "result", "channel", "submitted_at", "due_at")
    list_filter = ("status", "result", "channel", "department")
    search_fields = ("number",)
    list_select_related = ("item", "department")
    fields = (
        "number",
        "item",
        "department",
        "channel",
        "partner_name",
        "status",
        "result",
        "promised_days",
        "due_at",
        "paused_at",
        "created_at",
        "submitted_at",
        "accepted_at",
        "ended_at",
    )
