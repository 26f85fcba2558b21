"""The admin site shows the catalogue read-only (versions change only through the services, so
publishing stays audited and cases keep their version); life events are reference data to edit."""

from __future__ import annotations

from django.contrib import admin

from dgov.accounts.admin_site import AuditedModelAdmin, ReadOnlyAdminMixin
from dgov.catalog.models import ItemMaterial, Kiosk, LifeEvent, ServiceItem


@admin.register(LifeEvent)
class LifeEventAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "name_en", "audience", "position")
    list_filter = ("audience",)
    ordering = ("audience", "position")


class ReadOnlyAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    pass


class MaterialInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ItemMaterial
    extra = 0
    can_delete = False
    fields = (
        "position",
        "name",
        "form",
        "copies",
        "requirement",
        "condition",
        "source",
        "source_ref",
        "government_issued",
    )


@admin.register(ServiceItem)
class ServiceItemAdmin(ReadOnlyAdmin):
    list_display = ("code", "version", "name", "department", "kind", "status", "published_at")
    list_filter = ("status", "kind", "department", "high_frequency", "is_demo")
    search_fields = ("code", "basic_code", "name")
    list_select_related = ("department",)
    inlines = [MaterialInline]


@admin.register(Kiosk)
class KioskAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "region", "address", "installed_on", "retired_on")
    list_filter = ("region",)
    search_fields = ("code", "name", "address")
    ordering = ("code",)
