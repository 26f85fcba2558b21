"""Admin pages for system administrators. Roles are not edited here: the security administrator
grants them (三员分立); personal data is shown masked and never editable in bulk."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from dgov.accounts.admin_site import AuditedModelAdmin
from dgov.accounts.models import ApiToken, Department, Region, User


@admin.register(Region)
class RegionAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "level", "parent", "is_demo")
    list_filter = ("level", "is_demo")
    search_fields = ("code", "name")

    def save_model(self, request: HttpRequest, obj: Region, form: Any, change: bool) -> None:
        from dgov.accounts.regions import region_path

        obj.path = region_path(obj)
        super().save_model(request, obj, form, change)


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "kind", "credit_code", "region", "is_demo")
    list_filter = ("kind", "is_demo")
    search_fields = ("code", "name", "credit_code")


@admin.register(User)
class UserAdmin(AuditedModelAdmin):
    list_display = ("username", "real_name", "kind", "department", "is_active", "is_demo")
    list_filter = ("kind", "is_active", "department")
    search_fields = ("username", "real_name")
    fields = (
        "username",
        "real_name",
        "kind",
        "department",
        "region",
        "enterprise_name",
        "enterprise_credit_code",
        "id_number_shown",
        "phone_shown",
        "is_active",
        "elder_mode",
        "last_login",
        "date_joined",
    )
    readonly_fields = ("id_number_shown", "phone_shown", "last_login", "date_joined")

    @admin.display(description=_("ID number"))
    def id_number_shown(self, obj: User) -> str:
        return obj.id_number_masked

    @admin.display(description=_("mobile phone"))
    def phone_shown(self, obj: User) -> str:
        return obj.phone_masked

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts are created through registration or the account service


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedModelAdmin):
    view_on_site = False
    list_display = (
        "name",
        "prefix",
        "department",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    readonly_fields = (
        "name",
        "prefix",
        "department",
        "scopes",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created on the API tokens page, which shows the secret once

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
