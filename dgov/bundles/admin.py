"""Bundles in the admin site, read-only: they are defined on the catalogue administrator's pages
(/bundles/manage/), where every change goes through the services and is audited. Bundle
applications are shown without their form (personal data)."""

from __future__ import annotations

from django.contrib import admin

from dgov.accounts.admin_site import AuditedModelAdmin, ReadOnlyAdminMixin
from dgov.bundles.models import Bundle, BundleCase, BundleChild, BundleItem


class ItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BundleItem
    extra = 0
    can_delete = False
    fields = ("position", "item_code")


@admin.register(Bundle)
class BundleAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("code", "name", "life_event", "status", "published_at")
    list_filter = ("status", "life_event", "is_demo")
    search_fields = ("code", "name")
    list_select_related = ("life_event",)
    fields = ("code", "name", "name_en", "life_event", "description", "status", "is_demo", "published_at")
    inlines = [ItemInline]


class ChildInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BundleChild
    extra = 0
    can_delete = False
    fields = ("position", "case", "outcome", "noted_at")


@admin.register(BundleCase)
class BundleCaseAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("number", "bundle", "status", "channel", "submitted_at", "due_at", "ended_at")
    list_filter = ("status", "channel", "bundle")
    search_fields = ("number",)
    list_select_related = ("bundle",)
    fields = ("number", "bundle", "channel", "status", "promised_days", "due_at", "submitted_at", "ended_at")
    inlines = [ChildInline]
