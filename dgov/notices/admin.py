"""Notices in the admin site, read-only: they are written by the services, and a notice once sent stays as sent."""

from __future__ import annotations

from django.contrib import admin

from dgov.accounts.admin_site import AuditedModelAdmin, ReadOnlyAdminMixin
from dgov.notices.models import Delivery, Notice


class DeliveryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ("channel", "status", "address", "error", "at")
    readonly_fields = fields


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("subject", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("subject", "recipient__username")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("notice", "channel", "status", "address", "at")
    list_filter = ("channel", "status")
    list_select_related = ("notice",)
