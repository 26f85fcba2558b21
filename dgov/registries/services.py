"""Every write of the base registries: a logged read, and the creation and change of records.

Who may read whose data is decided by the caller (the case knows its applicant, the staff page
its permission); ``registry_read`` records that the read happened, for which purpose and case, and
hands over only the fields asked for (《个人信息保护法》 art. 6: no more than the purpose needs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.services import id_number_digest
from dgov.audit import record as audit_record
from dgov.core.errors import ApplicationError, ConflictError
from dgov.core.validation import normalise_credit_code, normalise_id_number, normalise_phone
from dgov.registries import selectors
from dgov.registries.models import EnterpriseRecord, PersonRecord, RegistryRead, SubjectKind

PURPOSE_MAX = RegistryRead._meta.get_field("purpose").max_length or 200
CASE_NUMBER_MAX = RegistryRead._meta.get_field("case_number").max_length or 32

# The fields a maintainer may set; the key (ID number, credit code) identifies a record and is
# never changed: a new key is a new record.
PERSON_FIELDS = (
    "name",
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
    "phone",
    "medical_insurance_status",
    "social_security_card_status",
    "subsistence_status",
    "is_deceased",
    "source",
)
ENTERPRISE_FIELDS = (
    "name",
    "kind",
    "legal_representative",
    "legal_representative_id_number",
    "registered_address",
    "registered_region",
    "business_scope",
    "registered_capital",
    "established_on",
    "status",
    "source",
)

_REGION_CODE = re.compile(r"\d{6}(\d{6})?")


# --- Reads -------------------------------------------------------------------------------------------


def _resolve_fields(subject_kind: str, fields: Sequence[str]) -> tuple[list[str], list[str]]:
    """(the paths to record, the fact keys to return) for the fields asked for, which may be paths
    ("person.household_address") or bare keys ("household_address"). Unknown ones are refused."""
    if isinstance(fields, str) or not fields:
        raise ApplicationError(_("Name the registry fields to read."), code="no_fields")
    paths: list[str] = []
    keys: list[str] = []
    unknown: list[str] = []
    for name in fields:
        text = str(name).strip()
        path = text if text.startswith(subject_kind + ".") else f"{subject_kind}.{text}"
        try:
            members = selectors.field_keys(path)
        except KeyError:
            unknown.append(text)
            continue
        if path not in paths:
            paths.append(path)
        keys.extend(k for k in members if k not in keys)
    if unknown:
        message = _("Unknown registry fields for a %(kind)s record: %(fields)s.") % {
            "kind": SubjectKind(subject_kind).label,
            "fields": ", ".join(unknown),
        }
        raise ApplicationError(message, code="unknown_field", field_errors={"fields": [message]})
    return paths, keys


def registry_read(
    *,
    subject_kind: str,
    key: str,
    fields: Sequence[str],
    purpose: str,
    case_number: str = "",
    actor: Any = None,
    on: date | None = None,
    request: HttpRequest | None = None,
    audit: bool = True,
) -> dict[str, Any] | None:
    """Read the named fields of a person (key: ID number) or an enterprise (key: credit code) for a
    purpose, writing one RegistryRead row and an audit record. Returns only those fields plus
    ``revision``; None (and nothing written) when there is no such record. Unknown fields, no
    purpose or an unknown subject kind raise ApplicationError and write nothing.

    ``audit=False``: the caller's own audit record names the read (a case submission lists the
    reads it made), so the chain is not appended twice for one transaction."""
    if subject_kind not in SubjectKind.values:
        raise ApplicationError(_("Unknown kind of registry subject."), code="unknown_subject_kind")
    paths, keys = _resolve_fields(subject_kind, fields)
    purpose = (purpose or "").strip()
    case_number = (case_number or "").strip()
    if not purpose:
        raise ApplicationError(_("A registry read must state its purpose."), code="no_purpose")
    if len(purpose) > PURPOSE_MAX or len(case_number) > CASE_NUMBER_MAX:
        raise ApplicationError(_("The purpose or the case number is too long."), code="too_long")

    subject: PersonRecord | EnterpriseRecord | None
    if subject_kind == SubjectKind.PERSON:
        subject = selectors.person_get(key)
        facts = None if subject is None else selectors.person_facts_of(subject, on=on)
    else:
        subject = selectors.enterprise_get(key)
        facts = None if subject is None else selectors.enterprise_facts_of(subject)
    if subject is None or facts is None:
        return None

    user = actor if getattr(actor, "is_authenticated", False) else None
    # The log row and its audit record together. No savepoint inside a caller's transaction (a
    # case submission): a failed write fails that transaction anyway, as in dgov.audit.record.
    with transaction.atomic(savepoint=False):
        RegistryRead.objects.create(
            subject_kind=subject_kind,
            person=subject if isinstance(subject, PersonRecord) else None,
            enterprise=subject if isinstance(subject, EnterpriseRecord) else None,
            fields=paths,
            revision=subject.revision,
            purpose=purpose,
            case_number=case_number,
            actor=user,
            department=getattr(user, "department", None),
        )
        if audit:
            audit_record(
                actor=user,
                action="registry.read",
                target=subject,
                detail={"fields": paths, "purpose": purpose, "case_number": case_number, "revision": subject.revision},
                request=request,
            )
    return {**{k: facts[k] for k in keys}, "revision": subject.revision}


# --- Records -----------------------------------------------------------------------------------------


def _refuse_unknown(data: Mapping[str, Any], allowed: Sequence[str], key_field: str) -> None:
    unknown = sorted(set(data) - set(allowed))
    if not unknown:
        return
    errors: dict[str, list[str]] = {}
    for name in unknown:
        if name == key_field:
            errors[name] = [_("The key of a registry record cannot be changed; a new key is a new record.")]
        else:
            errors[name] = [_("Not a field of the registry record.")]
    raise ApplicationError(
        _("Unknown or unchangeable registry fields: %(fields)s.") % {"fields": ", ".join(unknown)},
        code="unknown_field",
        field_errors=errors,
    )


def _validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    return {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}


def _check_region(value: Any, field: str, errors: dict[str, list[str]]) -> None:
    if not _REGION_CODE.fullmatch(str(value or "")):
        errors.setdefault(field, []).append(_("A region code has 6 or 12 digits (GB/T 2260)."))


def _id_birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def _id_sex(id_number: str) -> str:
    # GB 11643-1999: the 17th character is odd for men, even for women.
    return PersonRecord.Sex.MALE if int(id_number[16]) % 2 else PersonRecord.Sex.FEMALE


def _clean_person(record: PersonRecord) -> None:
    """Field checks, then the rules: birth date and sex agree with the ID number (GB 11643), a
    disability grade goes with a kind, the region is a code."""
    errors: dict[str, list[str]] = {}
    if record.phone:
        try:
            record.phone = normalise_phone(record.phone)
        except ValueError as exc:
            errors["phone"] = [str(exc)]
    try:
        record.full_clean(exclude=["id_number_digest", "phone"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.update(_validation_errors(exc))
    if "birth_date" not in errors:
        try:
            if record.birth_date != _id_birth_date(record.id_number):
                errors["birth_date"] = [_("The date of birth does not agree with the ID number.")]
        except ValueError:
            errors["id_number"] = [_("The ID number does not hold a valid date of birth.")]
    if "sex" not in errors and record.sex != _id_sex(record.id_number):
        errors["sex"] = [_("The sex does not agree with the ID number.")]
    if "household_region" not in errors:
        _check_region(record.household_region, "household_region", errors)
    if "disability_grade" not in errors and "disability_kind" not in errors:
        if record.disability_grade == 0 and record.disability_kind:
            errors["disability_kind"] = [_("A person without a disability grade has no disability kind.")]
        elif record.disability_grade != 0 and not record.disability_kind:
            errors["disability_kind"] = [_("A disability grade goes with the kind of disability.")]
    if errors:
        raise ApplicationError(_("The registry record has mistakes."), code="invalid_record", field_errors=errors)


def _clean_enterprise(record: EnterpriseRecord) -> None:
    errors: dict[str, list[str]] = {}
    if record.legal_representative_id_number:
        try:
            record.legal_representative_id_number = normalise_id_number(record.legal_representative_id_number)
        except ValueError as exc:
            errors["legal_representative_id_number"] = [str(exc)]
    try:
        record.full_clean(
            exclude=["legal_representative_id_digest", "legal_representative_id_number"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        errors.update(_validation_errors(exc))
    if "registered_region" not in errors:
        _check_region(record.registered_region, "registered_region", errors)
    if errors:
        raise ApplicationError(_("The registry record has mistakes."), code="invalid_record", field_errors=errors)
    record.legal_representative_id_digest = id_number_digest(record.legal_representative_id_number)


def _save_new(record: models.Model) -> None:
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise ConflictError(_("The registry already holds this record."), code="exists")


@transaction.atomic
def person_record_create(
    *, actor: Any, id_number: str, data: Mapping[str, Any], request: HttpRequest | None = None
) -> PersonRecord:
    """Add a person to the population registry; birth date and sex default to what the ID number says."""
    _refuse_unknown(data, PERSON_FIELDS, "id_number")
    try:
        value = normalise_id_number(id_number or "")
    except ValueError as exc:
        raise ApplicationError(str(exc), code="invalid_record", field_errors={"id_number": [str(exc)]})
    digest = id_number_digest(value)
    if PersonRecord.objects.filter(id_number_digest=digest).exists():
        raise ConflictError(_("The registry already holds this record."), code="exists")
    record = PersonRecord(id_number=value, id_number_digest=digest, **dict(data))
    try:
        if "birth_date" not in data:
            record.birth_date = _id_birth_date(value)
        if "sex" not in data:
            record.sex = _id_sex(value)
    except ValueError:
        raise ApplicationError(
            _("The ID number does not hold a valid date of birth."),
            code="invalid_record",
            field_errors={"id_number": [_("The ID number does not hold a valid date of birth.")]},
        )
    _clean_person(record)
    record.updated_at = timezone.now()
    _save_new(record)
    audit_record(
        actor=actor, action="registry.person.create", target=record, detail={"fields": sorted(data)}, request=request
    )
    return record


@transaction.atomic
def enterprise_record_create(
    *, actor: Any, credit_code: str, data: Mapping[str, Any], request: HttpRequest | None = None
) -> EnterpriseRecord:
    """Add a market entity to the legal-person registry."""
    _refuse_unknown(data, ENTERPRISE_FIELDS, "credit_code")
    try:
        value = normalise_credit_code(credit_code or "")
    except ValueError as exc:
        raise ApplicationError(str(exc), code="invalid_record", field_errors={"credit_code": [str(exc)]})
    if EnterpriseRecord.objects.filter(credit_code=value).exists():
        raise ConflictError(_("The registry already holds this record."), code="exists")
    record = EnterpriseRecord(credit_code=value, **dict(data))
    _clean_enterprise(record)
    record.updated_at = timezone.now()
    _save_new(record)
    audit_record(
        actor=actor,
        action="registry.enterprise.create",
        target=record,
        detail={"fields": sorted(data)},
        request=request,
    )
    return record


def _apply_changes(
    locked: PersonRecord | EnterpriseRecord,
    changes: Mapping[str, Any],
    expected_revision: int | None,
) -> dict[str, Any]:
    """Set the changes on the locked row; returns the old values, for telling what changed."""
    if expected_revision is not None and locked.revision != expected_revision:
        raise ConflictError(_("The registry record changed after it was read; read it again."), code="stale_revision")
    before = {name: getattr(locked, name) for name in changes}
    for name, value in changes.items():
        setattr(locked, name, value)
    return before


def _finish_update(
    *,
    actor: Any,
    locked: PersonRecord | EnterpriseRecord,
    before: Mapping[str, Any],
    action: str,
    extra_fields: Sequence[str] = (),
    request: HttpRequest | None,
) -> None:
    changed = sorted(name for name, old in before.items() if getattr(locked, name) != old)
    if not changed:
        return
    # Under the row lock: revisions are consecutive and never skip or repeat.
    locked.revision += 1
    locked.updated_at = timezone.now()
    locked.save(update_fields=[*changed, *extra_fields, "revision", "updated_at"])
    # Field names only: the values are personal data and the record itself holds them.
    audit_record(
        actor=actor,
        action=action,
        target=locked,
        detail={"fields": changed, "revision": locked.revision},
        request=request,
    )


@transaction.atomic
def person_record_update(
    *,
    actor: Any,
    record: PersonRecord,
    changes: Mapping[str, Any],
    expected_revision: int | None = None,
    request: HttpRequest | None = None,
) -> PersonRecord:
    """Change fields of a person record; the revision goes up by one when anything changed (nothing
    is written otherwise). With ``expected_revision``, a record changed since is a ConflictError."""
    _refuse_unknown(changes, PERSON_FIELDS, "id_number")
    locked = PersonRecord.objects.select_for_update().get(pk=record.pk)
    before = _apply_changes(locked, changes, expected_revision)
    _clean_person(locked)
    _finish_update(actor=actor, locked=locked, before=before, action="registry.person.update", request=request)
    return locked


@transaction.atomic
def enterprise_record_update(
    *,
    actor: Any,
    record: EnterpriseRecord,
    changes: Mapping[str, Any],
    expected_revision: int | None = None,
    request: HttpRequest | None = None,
) -> EnterpriseRecord:
    """Change fields of an enterprise record; the revision goes up by one when anything changed."""
    _refuse_unknown(changes, ENTERPRISE_FIELDS, "credit_code")
    locked = EnterpriseRecord.objects.select_for_update().get(pk=record.pk)
    before = _apply_changes(locked, changes, expected_revision)
    _clean_enterprise(locked)
    extra = ["legal_representative_id_digest"] if "legal_representative_id_number" in changes else []
    _finish_update(
        actor=actor,
        locked=locked,
        before=before,
        action="registry.enterprise.update",
        extra_fields=extra,
        request=request,
    )
    return locked
