"""Reads of the base registries: facts for prefill and checks, the field catalogue, and who read
whose data. Pure reads: nothing here logs a read (``services.registry_read`` does).

``person_facts(id_number)`` returns a dict with exactly these keys (codes are the models' English
choice values; dates are ISO 8601 strings):

    id_number, name, sex ("male" | "female"), birth_date, age (whole years on the given date,
    Beijing time by default), ethnicity, household_address, household_region (GB/T 2260 code),
    registered_in_district (bool: household registered in Jianghai, 440704), household_type
    ("urban" | "rural"), household_number, hukou_head (bool), residence_address, marital_status
    ("unmarried" | "married" | "divorced" | "widowed"), disability_grade (0 none, 1–4),
    disability_kind ("" | "visual" | "hearing" | "speech" | "physical" | "intellectual" | "mental" |
    "multiple"), disabled (bool: grade 1–4), phone, medical_insurance_status ("none" | "residents" |
    "employees"), insured (bool), social_security_card_status ("none" | "normal" | "lost" |
    "cancelled"), subsistence_status ("none" | "subsistence" | "extreme_hardship"), in_subsistence
    (bool: 低保), in_extreme_hardship (bool: 特困), is_deceased (bool), source, revision (int),
    updated_at (ISO 8601, Beijing time)

``enterprise_facts(credit_code)`` returns:

    credit_code, name, kind ("company" | "branch" | "sole_proprietorship" | "partnership" |
    "cooperative" | "individual_business"), legal_representative, legal_representative_id_number,
    registered_address, registered_region, registered_in_district (bool), business_scope,
    registered_capital (decimal string in 10,000 yuan, or None), established_on, status ("active" |
    "revoked" | "cancelled" | "moved_out"), in_business (bool: status "active"), source, revision
    (int), updated_at (ISO 8601, Beijing time)

Both return None when the key is malformed or not in the registry.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from dgov.accounts.models import User
from dgov.accounts.services import id_number_digest
from dgov.core.masking import mask_name
from dgov.core.validation import normalise_credit_code, normalise_id_number
from dgov.registries.models import EnterpriseRecord, PersonRecord, RegistryRead, SubjectKind

# --- The field catalogue -------------------------------------------------------------------------

# Registry field paths: what catalogue materials reference (ItemMaterial.source_ref), what
# application forms prefill, and what a RegistryRead row lists. "<kind>.<fact key>", or a group.
FIELD_LABELS: dict[str, Promise] = {
    "person.id_number": gettext_lazy("ID number"),
    "person.name": gettext_lazy("Name"),
    "person.sex": gettext_lazy("Sex"),
    "person.birth_date": gettext_lazy("Date of birth"),
    "person.age": gettext_lazy("Age"),
    "person.ethnicity": gettext_lazy("Ethnicity"),
    "person.household_address": gettext_lazy("Household registration address"),
    "person.household_region": gettext_lazy("Household registration region"),
    "person.registered_in_district": gettext_lazy("Household registered in Jianghai"),
    "person.household_type": gettext_lazy("Household type"),
    "person.household_number": gettext_lazy("Household number"),
    "person.hukou_head": gettext_lazy("Head of household"),
    "person.residence_address": gettext_lazy("Residence address"),
    "person.marital_status": gettext_lazy("Marital status"),
    "person.disability_grade": gettext_lazy("Disability grade"),
    "person.disability_kind": gettext_lazy("Disability kind"),
    "person.disabled": gettext_lazy("Registered disability"),
    "person.phone": gettext_lazy("Mobile phone"),
    "person.medical_insurance_status": gettext_lazy("Medical insurance"),
    "person.insured": gettext_lazy("Medically insured"),
    "person.social_security_card_status": gettext_lazy("Social security card"),
    "person.subsistence_status": gettext_lazy("Social assistance"),
    "person.in_subsistence": gettext_lazy("Minimum subsistence allowance"),
    "person.in_extreme_hardship": gettext_lazy("Extreme hardship support"),
    "person.is_deceased": gettext_lazy("Deceased"),
    # Groups: a material the registry stands in for (居民户口簿, 居住登记).
    "person.household": gettext_lazy("Household register"),
    "person.residence_registration": gettext_lazy("Residence registration"),
    "enterprise.credit_code": gettext_lazy("Unified social credit code"),
    "enterprise.name": gettext_lazy("Enterprise name"),
    "enterprise.kind": gettext_lazy("Kind of entity"),
    "enterprise.legal_representative": gettext_lazy("Legal representative"),
    "enterprise.legal_representative_id_number": gettext_lazy("Legal representative's ID number"),
    "enterprise.registered_address": gettext_lazy("Registered address"),
    "enterprise.registered_region": gettext_lazy("Registered region"),
    "enterprise.registered_in_district": gettext_lazy("Registered in Jianghai"),
    "enterprise.business_scope": gettext_lazy("Business scope"),
    "enterprise.registered_capital": gettext_lazy("Registered capital"),
    "enterprise.established_on": gettext_lazy("Date of establishment"),
    "enterprise.status": gettext_lazy("Registration status"),
    "enterprise.in_business": gettext_lazy("In business"),
    # Group: the registration details a business licence prints.
    "enterprise.registration": gettext_lazy("Business registration details"),
}

# A group path stands for these fact keys.
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "person.household": (
        "name",
        "id_number",
        "household_address",
        "household_region",
        "registered_in_district",
        "household_type",
        "household_number",
        "hukou_head",
    ),
    "person.residence_registration": ("residence_address", "household_region", "registered_in_district"),
    "enterprise.registration": (
        "credit_code",
        "name",
        "kind",
        "legal_representative",
        "registered_address",
        "business_scope",
        "registered_capital",
        "established_on",
        "status",
    ),
}


def field_label(path: str) -> str:
    """The label of a registry field path in the current language; an unknown path is shown as is."""
    label = FIELD_LABELS.get(path)
    return str(label) if label is not None else path


def field_keys(path: str) -> tuple[str, ...]:
    """The fact keys a known path stands for: one key, or a group's keys. KeyError when unknown."""
    if path not in FIELD_LABELS:
        raise KeyError(path)
    return FIELD_GROUPS.get(path) or (path.split(".", 1)[1],)


# --- Facts -----------------------------------------------------------------------------------------


def age_on(birth_date: date, on: date) -> int:
    """Whole years (周岁) on a date: the birthday itself completes the year; someone born on
    29 February completes it on 1 March in a common year."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def person_get(id_number: str) -> PersonRecord | None:
    """The record of an ID number (any case, surrounding spaces ignored); None when malformed or absent."""
    try:
        value = normalise_id_number(id_number or "")
    except ValueError:
        return None
    return PersonRecord.objects.filter(id_number_digest=id_number_digest(value)).first()


def enterprise_get(credit_code: str) -> EnterpriseRecord | None:
    """The record of a credit code; None when malformed or absent."""
    try:
        value = normalise_credit_code(credit_code or "")
    except ValueError:
        return None
    return EnterpriseRecord.objects.filter(credit_code=value).first()


def person_facts_of(record: PersonRecord, *, on: date | None = None) -> dict[str, Any]:
    """The JSON-ready facts of a person record (keys in the module docstring)."""
    today = on or timezone.localdate()
    return {
        "id_number": record.id_number,
        "name": record.name,
        "sex": record.sex,
        "birth_date": record.birth_date.isoformat(),
        "age": age_on(record.birth_date, today),
        "ethnicity": record.ethnicity,
        "household_address": record.household_address,
        "household_region": record.household_region,
        "registered_in_district": record.registered_in_district,
        "household_type": record.household_type,
        "household_number": record.household_number,
        "hukou_head": record.hukou_head,
        "residence_address": record.residence_address,
        "marital_status": record.marital_status,
        "disability_grade": int(record.disability_grade),
        "disability_kind": record.disability_kind,
        "disabled": record.disability_grade >= 1,
        "phone": record.phone,
        "medical_insurance_status": record.medical_insurance_status,
        "insured": record.medical_insurance_status != PersonRecord.MedicalInsurance.NONE,
        "social_security_card_status": record.social_security_card_status,
        "subsistence_status": record.subsistence_status,
        "in_subsistence": record.subsistence_status == PersonRecord.Subsistence.SUBSISTENCE,
        "in_extreme_hardship": record.subsistence_status == PersonRecord.Subsistence.EXTREME_HARDSHIP,
        "is_deceased": record.is_deceased,
        "source": record.source,
        "revision": record.revision,
        "updated_at": timezone.localtime(record.updated_at).isoformat(),
    }


def _decimal_text(value: Decimal) -> str:
    """500.0000 -> "500", 12.5000 -> "12.5": plain digits, never exponent notation."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def enterprise_facts_of(record: EnterpriseRecord) -> dict[str, Any]:
    """The JSON-ready facts of an enterprise record (keys in the module docstring)."""
    capital = record.registered_capital
    return {
        "credit_code": record.credit_code,
        "name": record.name,
        "kind": record.kind,
        "legal_representative": record.legal_representative,
        "legal_representative_id_number": record.legal_representative_id_number,
        "registered_address": record.registered_address,
        "registered_region": record.registered_region,
        "registered_in_district": record.registered_in_district,
        "business_scope": record.business_scope,
        "registered_capital": None if capital is None else _decimal_text(capital),
        "established_on": record.established_on.isoformat(),
        "status": record.status,
        "in_business": record.status == EnterpriseRecord.Status.ACTIVE,
        "source": record.source,
        "revision": record.revision,
        "updated_at": timezone.localtime(record.updated_at).isoformat(),
    }


def person_facts(id_number: str, *, on: date | None = None) -> dict[str, Any] | None:
    """The facts of the person with this ID number (age on ``on``, default today in Beijing), or None."""
    record = person_get(id_number)
    return None if record is None else person_facts_of(record, on=on)


def enterprise_facts(credit_code: str) -> dict[str, Any] | None:
    """The facts of the enterprise with this credit code, or None."""
    record = enterprise_get(credit_code)
    return None if record is None else enterprise_facts_of(record)


# --- Who used my data --------------------------------------------------------------------------------


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _reads() -> QuerySet[RegistryRead]:
    return RegistryRead.objects.select_related("actor", "department").order_by("-at", "-pk")


def reads_of_person(user: Any) -> QuerySet[RegistryRead]:
    """Reads of the signed-in person's own record (matched by ID number), newest first."""
    digest = getattr(user, "id_number_digest", "") if _signed_in(user) else ""
    if not digest:
        return RegistryRead.objects.none()
    return _reads().filter(subject_kind=SubjectKind.PERSON, person__id_number_digest=digest)


def reads_of_enterprise(user: Any) -> QuerySet[RegistryRead]:
    """Reads of the record of the enterprise an enterprise account stands for, newest first."""
    if not _signed_in(user) or user.kind != User.Kind.ENTERPRISE or not user.enterprise_credit_code:
        return RegistryRead.objects.none()
    code = user.enterprise_credit_code.strip().upper()
    return _reads().filter(subject_kind=SubjectKind.ENTERPRISE, enterprise__credit_code=code)


def registry_reads_for_user(*, user: Any) -> QuerySet[RegistryRead]:
    """The reads the "who used my data" page lists: the enterprise's for an enterprise account,
    otherwise the person's own."""
    if _signed_in(user) and user.kind == User.Kind.ENTERPRISE:
        return reads_of_enterprise(user)
    return reads_of_person(user)


def read_reader(read: RegistryRead, *, viewer: Any) -> str:
    """Who read, as the subject is shown it: a department's name, never a member of staff's."""
    if read.department_id is not None and read.department is not None:
        return read.department.label
    if read.actor_id is None:
        return _("The platform (automatic check)")
    if read.actor_id == getattr(viewer, "pk", None):
        return _("You (when applying)")
    name = read.actor.real_name if read.actor is not None else ""
    return _("Applicant %(name)s") % {"name": mask_name(name) or "—"}


def read_rows(reads: Any, *, viewer: Any) -> list[dict[str, Any]]:
    """The rows of the "who used my data" page for a page of reads."""
    # The enumeration comma (顿号) in Chinese, a comma and space otherwise.
    separator = ", " if (get_language() or "").startswith("en") else "、"
    return [
        {
            "at": read.at,
            "reader": read_reader(read, viewer=viewer),
            "purpose": read.purpose,
            "case_number": read.case_number,
            "fields": [field_label(path) for path in read.fields],
            "fields_text": separator.join(field_label(path) for path in read.fields),
        }
        for read in reads
    ]
