"""Django's admin site, for system administrators only, with every change in the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


def protect_admin_site(site: admin.AdminSite) -> None:
    """Only system administrators (past their second factor) may use the admin site."""
    from dgov.accounts.middleware import mfa_waived
    from dgov.accounts.permissions import Perm, has_perm

    def has_permission(request: HttpRequest) -> bool:
        user = request.user
        if not has_perm(user, Perm.ADMIN_SITE) or not user.is_authenticated:
            return False
        return bool(user.is_verified() or mfa_waived(user))

    site.has_permission = has_permission  # type: ignore[method-assign]
    site.site_header = _("Jianghai Digital Government · System administration")
    site.site_title = _("Jianghai Digital Government")
    site.index_title = _("System administration")


class AuditedModelAdmin(admin.ModelAdmin):
    """Writes every add, change and delete made in the admin site to the audit trail."""

    def _audit(self, request: HttpRequest, obj: Any, action: str, detail: dict[str, Any]) -> None:
        from dgov.audit import record

        record(actor=request.user, action=f"admin.{action}", target=obj, detail=detail, request=request)

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:  # type: ignore[override]
        self._audit(request, obj, "add", {"model": obj._meta.label_lower})
        return super().log_addition(request, obj, message)

    def construct_change_message(self, request: HttpRequest, form: Any, formsets: Any, add: bool = False) -> Any:
        # Keep field names (not translated labels) for the audit summary.
        request._audit_changed_fields = sorted(form.changed_data)  # type: ignore[attr-defined]
        return super().construct_change_message(request, form, formsets, add)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:  # type: ignore[override]
        changed = getattr(request, "_audit_changed_fields", [])
        self._audit(request, obj, "change", {"model": obj._meta.label_lower, "fields": changed})
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:  # type: ignore[override]
        for obj in queryset:
            self._audit(request, obj, "delete", {"model": obj._meta.label_lower, "repr": str(obj)[:100]})
        return super().log_deletions(request, queryset)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return admin.site.has_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin.site.has_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return admin.site.has_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin.site.has_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin.site.has_permission(request)


class ReadOnlyAdminMixin:
    """For model admins and inlines of records that only the services write (audited, versioned,
    or sent): the admin site shows them and changes nothing. Put it before the admin class."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
