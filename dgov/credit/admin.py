"""Credit entries and checks in the admin site: read-only, keys masked. Every write goes through
dgov.credit.services and the /credit/ pages, where access is scoped to the listing department."""

from __future__ import annotations

from django.contrib import admin

from dgov.accounts.admin_site import AuditedModelAdmin, ReadOnlyAdminMixin
from dgov.credit.models import CreditCheck, CreditEntry


@admin.register(CreditEntry)
class CreditEntryAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = (
        "pk",
        "list_kind",
        "subject_kind",
        "subject_name",
        "key_masked",
        "department",
        "status",
        "valid_from",
        "valid_until",
    )
    list_filter = ("list_kind", "subject_kind", "status", "department")
    list_select_related = ("department",)
    search_fields = ("subject_name",)
    fields = (
        "list_kind",
        "subject_kind",
        "subject_name",
        "key_masked",
        "measures",
        "measure_note",
        "department",
        "authority",
        "document_number",
        "reason",
        "valid_from",
        "valid_until",
        "status",
        "withdrawn_reason",
        "withdrawn_by",
        "withdrawn_at",
        "created_by",
        "created_at",
    )


@admin.register(CreditCheck)
class CreditCheckAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = (
        "pk",
        "checked_at",
        "subject_kind",
        "key_masked",
        "result",
        "purpose",
        "item_code",
        "case_number",
        "actor_label",
    )
    list_filter = ("result", "purpose", "subject_kind")
    search_fields = ("case_number", "item_code")
    fields = (
        "subject_kind",
        "key_masked",
        "item_code",
        "case_number",
        "purpose",
        "checked_at",
        "actor",
        "actor_label",
        "result",
        "snapshot",
    )
