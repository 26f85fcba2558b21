"""The base registries in the admin site, for the system administrator: read-only, and without
personal numbers in full (the ID numbers and phones are shown masked; they are encrypted at rest).
Records change through dgov.registries.services (the ``registry_update`` command), which bump
the revision and write the audit trail; reads are append-only."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dgov.accounts.admin_site import AuditedModelAdmin, ReadOnlyAdminMixin
from dgov.core.masking import mask_id_number, mask_phone
from dgov.registries.models import EnterpriseRecord, PersonRecord, RegistryRead


@admin.register(PersonRecord)
class PersonRecordAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("name", "id_masked", "household_region", "disability_grade", "subsistence_status", "revision")
    list_filter = (
        "household_type",
        "disability_grade",
        "subsistence_status",
        "medical_insurance_status",
        "social_security_card_status",
        "is_deceased",
    )
    search_fields = ("name", "household_region")
    fields = (
        "name",
        "id_masked",
        "sex",
        "birth_date",
        "ethnicity",
        "household_address",
        "household_region",
        "household_type",
        "household_number",
        "hukou_head",
        "residence_address",
        "marital_status",
        "disability_grade",
        "disability_kind",
        "phone_masked",
        "medical_insurance_status",
        "social_security_card_status",
        "subsistence_status",
        "is_deceased",
        "source",
        "revision",
        "updated_at",
    )
    readonly_fields = ("id_masked", "phone_masked", "revision", "updated_at")

    @admin.display(description=_("ID number"))
    def id_masked(self, obj: PersonRecord) -> str:
        return mask_id_number(obj.id_number)

    @admin.display(description=_("mobile phone"))
    def phone_masked(self, obj: PersonRecord) -> str:
        return mask_phone(obj.phone)


@admin.register(EnterpriseRecord)
class EnterpriseRecordAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("name", "credit_code", "kind", "status", "registered_region", "revision")
    list_filter = ("kind", "status")
    search_fields = ("name", "credit_code")
    fields = (
        "credit_code",
        "name",
        "kind",
        "legal_representative",
        "representative_id_masked",
        "registered_address",
        "registered_region",
        "business_scope",
        "registered_capital",
        "established_on",
        "status",
        "source",
        "revision",
        "updated_at",
    )
    readonly_fields = ("representative_id_masked", "revision", "updated_at")

    @admin.display(description=_("legal representative's ID number"))
    def representative_id_masked(self, obj: EnterpriseRecord) -> str:
        return mask_id_number(obj.legal_representative_id_number)


@admin.register(RegistryRead)
class RegistryReadAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ("at", "subject_kind", "person", "enterprise", "department", "purpose", "case_number")
    list_filter = ("subject_kind", "department")
    search_fields = ("case_number", "purpose")
    list_select_related = ("person", "enterprise", "department")
    fields = (
        "at",
        "subject_kind",
        "person",
        "enterprise",
        "fields",
        "revision",
        "purpose",
        "case_number",
        "actor",
        "department",
    )
