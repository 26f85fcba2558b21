"""Cross-region records in the admin site: read-only (peers are registered with
``manage.py crossregion_peer``, keys made with ``crossregion_keys``; every write goes through
dgov.crossregion.services). Personal data is never listed; private keys are never shown."""

from __future__ import annotations

from django.contrib import admin

from dgov.accounts.admin_site import AuditedModelAdmin, ReadOnlyAdminMixin
from dgov.crossregion.models import ExchangeKey, Handover, InboundMessage, Peer, RemoteItem, StatusReport


@admin.register(Peer)
class PeerAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("region", "base_url", "active", "is_demo", "updated_at")
    list_select_related = ("region",)
    fields = ("region", "base_url", "public_key", "active", "is_demo", "created_at", "updated_at")


@admin.register(ExchangeKey)
class ExchangeKeyAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("key_id", "created_at", "retired_at")
    fields = ("key_id", "public_key", "algorithm", "created_at", "retired_at")


@admin.register(RemoteItem)
class RemoteItemAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("code", "name", "department_name", "peer", "active", "synced_at")
    list_filter = ("peer", "active")
    list_select_related = ("peer__region",)
    search_fields = ("code", "name")
    fields = ("peer", "code", "version", "name", "department_name", "subject", "active", "synced_at")


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("receipt_number", "item_name", "peer", "state", "remote_case_number", "attempts", "created_at")
    list_filter = ("state", "peer")
    list_select_related = ("peer__region",)
    search_fields = ("receipt_number", "remote_case_number")
    fields = (
        "receipt_number",
        "message_id",
        "peer",
        "item_code",
        "item_name",
        "receiving_region",
        "department",
        "state",
        "remote_case_number",
        "remote_status",
        "result",
        "licence_identifier",
        "failure",
        "failure_reason",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "delivered_at",
        "concluded_at",
    )


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("message_id", "peer", "kind", "status_code", "received_at")
    list_filter = ("kind", "peer", "status_code")
    list_select_related = ("peer__region",)
    fields = ("peer", "message_id", "kind", "digest", "status_code", "case", "handover", "received_at")


@admin.register(StatusReport)
class StatusReportAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("message_id", "peer", "case", "seq", "event", "state", "attempts", "next_attempt_at")
    list_filter = ("state", "event", "peer")
    list_select_related = ("peer__region", "case")
    fields = ("message_id", "peer", "case", "seq", "event", "body", "state", "attempts", "last_error", "created_at")
