"""Notices in the admin site, read-only: they are written by the services, and a notice once sent stays as sent."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from dgov.accounts.admin_site import AuditedModelAdmin
from dgov.notices.models import Delivery, Notice


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DeliveryInline(_ReadOnly, admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ("channel", "status", "address", "error", "at")
    readonly_fields = fields


@admin.register(Notice)
class NoticeAdmin(_ReadOnly, AuditedModelAdmin):
    list_display = ("subject", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("subject", "recipient__username")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(_ReadOnly, AuditedModelAdmin):
    list_display = ("notice", "channel", "status", "address", "at")
    list_filter = ("channel", "status")
    list_select_related = ("notice",)
