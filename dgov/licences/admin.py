"""E-seals and e-licences in the admin site: read-only, and without secrets.

Seal keys show their public half only: the encrypted private key is in no list, form, search or
read-only field. Licences show the holder's ID as printed (masked for persons), never the full,
encrypted one. Every write goes through dgov.licences.services and the staff pages.
"""

from __future__ import annotations

import base64

from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from dgov.accounts.admin_site import AuditedModelAdmin, ReadOnlyAdminMixin
from dgov.licences.models import Licence, LicenceType, LicenceUse, Seal, SealKey


@admin.register(Seal)
class SealAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("code", "name", "department", "kind", "status", "valid_from", "valid_until", "is_demo")
    list_filter = ("status", "kind", "department")
    search_fields = ("code", "name")
    list_select_related = ("department",)
    exclude = ("image_png",)
    fields = (
        "code",
        "name",
        "department",
        "kind",
        "picture",
        "image_width_mm",
        "valid_from",
        "valid_until",
        "status",
        "status_reason",
        "status_changed_at",
        "made_by",
        "made_at",
        "is_demo",
    )
    readonly_fields = ("picture",)

    @admin.display(description=_("seal picture"))
    def picture(self, obj: Seal) -> SafeString:
        data = base64.b64encode(bytes(obj.image_png or b"")).decode("ascii")
        return format_html('<img src="data:image/png;base64,{}" width="120" height="120" alt="{}">', data, obj.name)


@admin.register(SealKey)
class SealKeyAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("key_id", "seal", "algorithm", "created_at", "retired_at")
    list_filter = ("retired_at",)
    search_fields = ("key_id", "seal__code", "seal__name")
    list_select_related = ("seal",)
    # The encrypted private key is never shown, not even as ciphertext.
    exclude = ("private_key_enc",)
    fields = ("key_id", "seal", "algorithm", "public_key", "created_at", "retired_at")


@admin.register(LicenceType)
class LicenceTypeAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("code", "name", "issuer", "holder_kind", "type_code", "validity_years", "is_demo")
    list_filter = ("holder_kind", "issuer")
    search_fields = ("code", "name", "name_en")
    list_select_related = ("issuer",)
    fields = (
        "code",
        "name",
        "name_en",
        "definer_credit_code",
        "type_number",
        "issuer",
        "holder_kind",
        "face_schema",
        "validity_years",
        "print_title",
        "print_note",
        "is_demo",
    )


@admin.register(Licence)
class LicenceAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = (
        "identifier",
        "type",
        "issuer",
        "holder_name",
        "holder_id_shown",
        "status",
        "valid_until",
        "issued_at",
    )
    list_filter = ("status", "type", "issuer")
    search_fields = ("identifier", "holder_name")
    list_select_related = ("type", "issuer")
    # The full holder ID (encrypted) and its search digest stay out; the printed form is enough here.
    exclude = ("holder_id", "holder_id_digest")
    fields = (
        "identifier",
        "type",
        "serial",
        "version",
        "issuer",
        "seal_key",
        "holder_kind",
        "holder_name",
        "holder_id_shown",
        "face",
        "valid_from",
        "valid_until",
        "issued_at",
        "issued_by",
        "case",
        "previous",
        "signature",
        "status",
        "status_reason",
        "status_changed_at",
    )


@admin.register(LicenceUse)
class LicenceUseAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("licence", "kind", "case", "used_by", "department", "at")
    list_filter = ("kind", "department")
    search_fields = ("licence__identifier", "case__number")
    list_select_related = ("licence", "case", "used_by", "department")
    fields = ("licence", "kind", "case", "item_material", "used_by", "department", "reason", "at")
