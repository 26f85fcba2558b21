"""Every write of the credit lists: listing a subject (by hand or by CSV import), withdrawing an
entry, and the check made against the lists (应查必查).

- **Input is checked before anything is written.** ID numbers and credit codes with their check
  characters (GB 11643, GB 32100), the measures against the list (a black-list entry carries no
  reward and a red-list entry no punishment), ``valid_until`` not before ``valid_from``, required
  texts and their lengths. A refusal is an :class:`ApplicationError` with field errors; an import
  is all or nothing, with the errors of every row at once.
- **Who.** ``actor`` holds ``Perm.CREDIT_MANAGE`` for the listing department (see
  dgov.credit.selectors); ``actor=None`` is the platform itself (demo data, a list received from
  another system) and is recorded as "system".
- **A check is always kept.** :func:`credit_check` writes one :class:`CreditCheck` for a
  well-formed key whatever it finds, with a snapshot of the entries in force, in the caller's
  transaction when there is one (a check made while submitting an application that is then
  refused disappears with it). A malformed key is refused and nothing is written.
- Every change is in the audit trail, written in the same transaction; entries are never deleted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dgov.accounts.models import Department, User
from dgov.accounts.permissions import Perm, has_perm
from dgov.audit import record
from dgov.core.errors import ApplicationError, ConflictError
from dgov.core.masking import mask_id_number
from dgov.core.validation import normalise_credit_code, normalise_id_number
from dgov.credit import selectors
from dgov.credit.models import (
    MEASURES_BY_LIST,
    NAME_MAX,
    TEXT_MAX,
    CheckPurpose,
    CheckResultKind,
    CreditCheck,
    CreditEntry,
    CreditList,
    Measure,
    SubjectKind,
    subject_key_digest,
)

# Measures in one text (an import cell): separated by semicolons, commas, 、 or spaces.
_MEASURE_SPLIT = re.compile(r"[;；、,，|\s]+")

# --- Checks shared by the services ------------------------------------------------------------------


def _deny(actor: Any, action: str, target: Any, request: HttpRequest | None) -> NoReturn:
    """Record the refusal and raise PermissionDenied (before any transaction, so it is kept)."""
    record(actor=actor, action="access.denied", target=target, detail={"action": action}, request=request)
    raise PermissionDenied


def _require_manage(actor: User | None, department: Department, action: str, request: HttpRequest | None) -> None:
    if actor is not None and not has_perm(actor, Perm.CREDIT_MANAGE, department=department):
        _deny(actor, action, department, request)


def _text(value: Any, name: str, errors: dict[str, list[str]], *, limit: int, required: str | None) -> str:
    text = (value if isinstance(value, str) else "").strip()
    if not text and required is not None:
        errors[name] = [required]
    elif len(text) > limit:
        errors[name] = [_("At most %(max)d characters (this one has %(n)d).") % {"max": limit, "n": len(text)}]
    return text


def _raise(errors: dict[str, list[str]], code: str) -> None:
    if errors:
        raise ApplicationError(_("Please correct the marked fields."), code=code, field_errors=errors)


def normalise_key(subject_kind: str, key: Any) -> str:
    """The key in canonical form for the kind; ValueError (a message for the user) otherwise."""
    text = key if isinstance(key, str) else ""
    if not text.strip():
        raise ValueError(
            _("Enter the resident ID number.")
            if subject_kind == SubjectKind.PERSON
            else _("Enter the unified social credit code.")
        )
    if subject_kind == SubjectKind.PERSON:
        return normalise_id_number(text)
    return normalise_credit_code(text)


def mask_key(key: str) -> str:
    """440704********123X: kept for lists and checks, so reading them decrypts nothing."""
    return mask_id_number(key)


# --- Listing --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryInput:
    """What a form, an import row or a caller gives to list one subject."""

    list_kind: str
    subject_kind: str
    subject_key: str
    subject_name: str
    measures: Sequence[str]
    document_number: str
    reason: str
    valid_from: dt.date | None
    valid_until: dt.date | None = None
    authority: str = ""
    measure_note: str = ""


@dataclass
class _Clean:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


def _clean_entry(data: EntryInput, department: Department) -> _Clean:
    """The model's field values for data, and the field errors (keyed by EntryInput's names)."""
    out = _Clean()
    errors = out.errors
    list_kind = data.list_kind if data.list_kind in CreditList.values else ""
    if not list_kind:
        errors["list_kind"] = [_("Choose the red list or the black list.")]
    subject_kind = data.subject_kind if data.subject_kind in SubjectKind.values else ""
    key = ""
    if not subject_kind:
        errors["subject_kind"] = [_("Choose a natural person or an enterprise or organisation.")]
    else:
        try:
            key = normalise_key(subject_kind, data.subject_key)
        except ValueError as exc:
            errors["subject_key"] = [str(exc)]
    name = _text(data.subject_name, "subject_name", errors, limit=NAME_MAX, required=_("Enter the subject's name."))
    given = _MEASURE_SPLIT.split(data.measures) if isinstance(data.measures, str) else data.measures
    measures = list(dict.fromkeys(str(m).strip() for m in given if str(m).strip()))
    unknown = [m for m in measures if m not in Measure.values]
    if not measures:
        errors["measures"] = [_("Choose at least one measure.")]
    elif unknown:
        errors["measures"] = [_("Unknown measure: %(codes)s.") % {"codes": ", ".join(unknown)}]
    elif list_kind:
        wrong = [m for m in measures if m not in MEASURES_BY_LIST[list_kind]]
        if wrong:
            labels = dict(Measure.choices)
            errors["measures"] = [
                _("%(measure)s is not a measure of the %(list)s.")
                % {"measure": labels[m], "list": CreditList(list_kind).label}
                for m in wrong
            ]
    note = _text(data.measure_note, "measure_note", errors, limit=TEXT_MAX, required=None)
    authority = _text(data.authority, "authority", errors, limit=NAME_MAX, required=None) or department.name
    document = _text(
        data.document_number, "document_number", errors, limit=NAME_MAX, required=_("Enter the decision number.")
    )
    reason = _text(data.reason, "reason", errors, limit=TEXT_MAX, required=_("Give the reason for the listing."))
    valid_from, valid_until = data.valid_from, data.valid_until
    if not isinstance(valid_from, dt.date):
        errors["valid_from"] = [_("Enter the date the listing takes effect.")]
    if valid_until is not None and not isinstance(valid_until, dt.date):
        errors["valid_until"] = [_("Enter a date, or leave it empty for no end date.")]
    elif isinstance(valid_from, dt.date) and valid_until is not None and valid_until < valid_from:
        errors["valid_until"] = [_("The end of validity cannot be before its start.")]
    if errors:
        return out
    out.values = {
        "list_kind": list_kind,
        "subject_kind": subject_kind,
        "subject_name": name,
        "id_number": key if subject_kind == SubjectKind.PERSON else "",
        "credit_code": key if subject_kind == SubjectKind.ENTERPRISE else "",
        "key_digest": subject_key_digest(subject_kind, key),
        "key_masked": mask_key(key),
        "measures": measures,
        "measure_note": note,
        "department": department,
        "authority": authority,
        "document_number": document,
        "reason": reason,
        "valid_from": valid_from,
        "valid_until": valid_until,
    }
    return out


def _already_listed() -> ConflictError:
    return ConflictError(
        _("This subject is already listed on this list by this department under the same decision."),
        code="already_listed",
    )


def _is_listed(values: dict[str, Any]) -> bool:
    return CreditEntry.objects.filter(
        status=CreditEntry.Status.ACTIVE,
        list_kind=values["list_kind"],
        key_digest=values["key_digest"],
        department=values["department"],
        document_number=values["document_number"],
    ).exists()


def _create(actor: User | None, values: dict[str, Any], request: HttpRequest | None, via: str) -> CreditEntry:
    entry = CreditEntry.objects.create(created_by=actor, **values)
    record(
        actor=actor,
        action="credit.entry_create",
        target=entry,
        detail={
            "list": entry.list_kind,
            "subject_kind": entry.subject_kind,
            "key": entry.key_masked,
            "measures": list(entry.measures),
            "department": entry.department.code,
            "document_number": entry.document_number,
            "via": via,
        },
        request=request,
    )
    return entry


def credit_entry_create(
    *,
    actor: User | None,
    department: Department,
    list_kind: str,
    subject_kind: str,
    subject_key: str,
    subject_name: str,
    measures: Sequence[str],
    document_number: str,
    reason: str,
    valid_from: dt.date | None,
    valid_until: dt.date | None = None,
    authority: str = "",
    measure_note: str = "",
    request: HttpRequest | None = None,
) -> CreditEntry:
    """List a subject on the red or black list for department; field errors on bad input (nothing
    written), 409 ``already_listed`` for a second active listing under the same decision."""
    _require_manage(actor, department, "credit.entry_create", request)
    data = EntryInput(
        list_kind=list_kind,
        subject_kind=subject_kind,
        subject_key=subject_key,
        subject_name=subject_name,
        measures=measures,
        document_number=document_number,
        reason=reason,
        valid_from=valid_from,
        valid_until=valid_until,
        authority=authority,
        measure_note=measure_note,
    )
    clean = _clean_entry(data, department)
    _raise(clean.errors, "invalid_entry")
    if _is_listed(clean.values):
        raise _already_listed()
    try:
        with transaction.atomic():
            return _create(actor, clean.values, request, "form")
    except IntegrityError:
        # Two identical requests at once: the partial unique constraint lets one through.
        raise _already_listed() from None


def credit_entry_withdraw(
    *, actor: User | None, entry: CreditEntry, reason: str, request: HttpRequest | None = None
) -> CreditEntry:
    """Take an entry off its list (移出, e.g. after 信用修复) with the reason; it stays for history.
    409 ``already_withdrawn`` when someone withdrew it first."""
    _require_manage(actor, entry.department, "credit.entry_withdraw", request)
    errors: dict[str, list[str]] = {}
    text = _text(reason, "reason", errors, limit=TEXT_MAX, required=_("Give the reason for the withdrawal."))
    _raise(errors, "invalid_withdrawal")
    with transaction.atomic():
        # Conditional update: of two people withdrawing at once, one succeeds, the other is told.
        updated = CreditEntry.objects.filter(pk=entry.pk, status=CreditEntry.Status.ACTIVE).update(
            status=CreditEntry.Status.WITHDRAWN,
            withdrawn_reason=text,
            withdrawn_by=actor,
            withdrawn_at=timezone.now(),
        )
        if updated != 1:
            raise ConflictError(_("This entry has already been withdrawn."), code="already_withdrawn")
        record(
            actor=actor,
            action="credit.entry_withdraw",
            target=entry,
            detail={"list": entry.list_kind, "key": entry.key_masked, "reason": text},
            request=request,
        )
    return CreditEntry.objects.select_related("department", "created_by", "withdrawn_by").get(pk=entry.pk)


# --- CSV import -------------------------------------------------------------------------------------------

# The columns of an import file (first row, in any order). Optional ones may be left out.
CSV_COLUMNS: tuple[str, ...] = (
    "list",
    "subject_kind",
    "subject_key",
    "subject_name",
    "measures",
    "document_number",
    "reason",
    "valid_from",
    "valid_until",
    "authority",
    "measure_note",
)
CSV_REQUIRED = frozenset(CSV_COLUMNS[:8])
CSV_MAX_BYTES = 2 * 1024 * 1024
CSV_MAX_ROWS = 5000
# Column name -> EntryInput field (errors are reported under the column's name).
_CSV_FIELD = {"list": "list_kind"}
_FIELD_CSV = {v: k for k, v in _CSV_FIELD.items()}
# Words accepted beside the codes, as departments' own spreadsheets write them.
_LIST_WORDS = {"red": "red", "红名单": "red", "红": "red", "black": "black", "黑名单": "black", "黑": "black"}
_KIND_WORDS = {
    "person": "person",
    "自然人": "person",
    "enterprise": "enterprise",
    "法人": "enterprise",
    "企业": "enterprise",
    "法人和非法人组织": "enterprise",
}
_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


def _decode(content: bytes) -> str:
    """UTF-8 (with or without a BOM), or GB 18030 as spreadsheets in Chinese save CSV."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError:
        raise ApplicationError(
            _("The file is not a CSV text file in UTF-8 or GB 18030."),
            code="invalid_import",
            field_errors={"file": [_("The file is not a CSV text file in UTF-8 or GB 18030.")]},
        ) from None


def _parse_date(value: str) -> dt.date | str | None:
    """A date, None for an empty cell, or the text itself when it is not a date (reported)."""
    text = value.strip()
    if not text:
        return None
    m = _DATE.match(text)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return text
    return text


def _row_input(row: dict[str, str]) -> tuple[EntryInput, dict[str, list[str]]]:
    cell = {k: (row.get(k) or "").strip() for k in CSV_COLUMNS}
    errors: dict[str, list[str]] = {}
    valid_from = _parse_date(cell["valid_from"])
    valid_until = _parse_date(cell["valid_until"])
    if isinstance(valid_from, str):
        errors["valid_from"] = [_("Write dates as YYYY-MM-DD.")]
        valid_from = None
    if isinstance(valid_until, str):
        errors["valid_until"] = [_("Write dates as YYYY-MM-DD.")]
        valid_until = None
    data = EntryInput(
        list_kind=_LIST_WORDS.get(cell["list"].lower(), cell["list"]),
        subject_kind=_KIND_WORDS.get(cell["subject_kind"].lower(), cell["subject_kind"]),
        subject_key=cell["subject_key"],
        subject_name=cell["subject_name"],
        measures=[m for m in _MEASURE_SPLIT.split(cell["measures"]) if m],
        document_number=cell["document_number"],
        reason=cell["reason"],
        valid_from=valid_from,
        valid_until=valid_until,
        authority=cell["authority"],
        measure_note=cell["measure_note"],
    )
    return data, errors


def _rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], dict[str, list[str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in CSV_COLUMNS if c in CSV_REQUIRED and c not in header]
    unknown = [h for h in header if h and h not in CSV_COLUMNS]
    errors: dict[str, list[str]] = {}
    if not header:
        errors["file"] = [_("The file is empty.")]
    elif missing or unknown:
        msgs = []
        if missing:
            msgs.append(_("Missing columns: %(names)s.") % {"names": ", ".join(missing)})
        if unknown:
            msgs.append(_("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)})
        errors["file"] = msgs
    if errors:
        return [], errors
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for row in reader:
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            if len(rows) >= CSV_MAX_ROWS:
                return [], {"file": [_("At most %(max)d rows per file.") % {"max": CSV_MAX_ROWS}]}
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        return [], {"file": [_("The file is not valid CSV: %(error)s") % {"error": str(exc)}]}
    if not rows:
        errors["file"] = [_("The file has no rows under its header.")]
    return rows, errors


def credit_entry_import(
    *, actor: User | None, department: Department, content: bytes, request: HttpRequest | None = None
) -> list[CreditEntry]:
    """List every row of a CSV file (columns: :data:`CSV_COLUMNS`) for department, all or nothing.

    Errors are keyed ``file`` or ``rows.<line>.<column>`` (line numbers as in the file, the header
    being line 1); when any row is wrong no entry is made."""
    _require_manage(actor, department, "credit.entry_import", request)
    if len(content) > CSV_MAX_BYTES:
        raise ApplicationError(
            _("The file is too large."),
            code="invalid_import",
            field_errors={"file": [_("At most %(mb)d MB.") % {"mb": CSV_MAX_BYTES // (1024 * 1024)}]},
        )
    rows, file_errors = _rows(_decode(content))
    if file_errors:
        raise ApplicationError(_("The file cannot be imported."), code="invalid_import", field_errors=file_errors)
    errors: dict[str, list[str]] = {}
    cleaned: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, row in rows:
        data, row_errors = _row_input(row)
        clean = _clean_entry(data, department)
        for name, msgs in {**clean.errors, **row_errors}.items():
            errors[f"rows.{line}.{_FIELD_CSV.get(name, name)}"] = msgs
        if clean.errors or row_errors:
            continue
        values = clean.values
        same = (values["list_kind"], values["key_digest"], values["document_number"])
        if same in seen:
            errors[f"rows.{line}.subject_key"] = [
                _("The same subject, list and decision as line %(line)d.") % {"line": seen[same]}
            ]
            continue
        seen[same] = line
        if _is_listed(values):
            errors[f"rows.{line}.subject_key"] = [_already_listed().message]
            continue
        cleaned.append(values)
    if errors:
        raise ApplicationError(
            _("No entry was imported: %(n)d rows have errors.") % {"n": len({k.split(".")[1] for k in errors})},
            code="invalid_import",
            field_errors=errors,
        )
    try:
        with transaction.atomic():
            return [_create(actor, values, request, "import") for values in cleaned]
    except IntegrityError:
        raise _already_listed() from None


# --- Checks (应查必查) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchedEntry:
    """An entry as a check found it (from the check's snapshot, unchanged by later withdrawals)."""

    id: int
    list_kind: str
    measures: tuple[str, ...]
    measure_note: str
    subject_name: str
    department: str  # the listing department's code
    authority: str
    document_number: str
    valid_from: dt.date
    valid_until: dt.date | None

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "list": self.list_kind,
            "measures": list(self.measures),
            "measure_note": self.measure_note,
            "subject_name": self.subject_name,
            "department": self.department,
            "authority": self.authority,
            "document_number": self.document_number,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }

    @classmethod
    def from_snapshot(cls, row: dict[str, Any]) -> MatchedEntry:
        until = row.get("valid_until")
        return cls(
            id=int(row["id"]),
            list_kind=str(row["list"]),
            measures=tuple(row.get("measures") or ()),
            measure_note=str(row.get("measure_note") or ""),
            subject_name=str(row.get("subject_name") or ""),
            department=str(row.get("department") or ""),
            authority=str(row.get("authority") or ""),
            document_number=str(row.get("document_number") or ""),
            valid_from=dt.date.fromisoformat(row["valid_from"]),
            valid_until=dt.date.fromisoformat(until) if until else None,
        )

    @classmethod
    def from_entry(cls, entry: CreditEntry) -> MatchedEntry:
        return cls(
            id=entry.pk,
            list_kind=entry.list_kind,
            measures=tuple(entry.measures),
            measure_note=entry.measure_note,
            subject_name=entry.subject_name,
            department=entry.department.code,
            authority=entry.authority,
            document_number=entry.document_number,
            valid_from=entry.valid_from,
            valid_until=entry.valid_until,
        )

    def measure_labels(self) -> list[str]:
        labels = dict(Measure.choices)
        return [str(labels.get(m, m)) for m in self.measures]


@dataclass(frozen=True)
class CheckResult:
    """What a check found: ``result`` (clear, red, black, both), the entries of each list in
    force, the union of their measures, a sentence for people in the current language, and the id
    of the :class:`CreditCheck` row that records it."""

    result: str
    black: tuple[MatchedEntry, ...]
    red: tuple[MatchedEntry, ...]
    measures: frozenset[str]
    reason: str
    check_id: int

    @property
    def is_clear(self) -> bool:
        return self.result == CheckResultKind.CLEAR

    @property
    def requires_manual_review(self) -> bool:
        """A black-list entry forbids instant approval (秒批): a member of staff decides."""
        return Measure.MANUAL_REVIEW in self.measures


def _outcome(black: Sequence[Any], red: Sequence[Any]) -> str:
    if black and red:
        return CheckResultKind.BOTH
    if black:
        return CheckResultKind.BLACK
    if red:
        return CheckResultKind.RED
    return CheckResultKind.CLEAR


def _joined(items: Iterable[str]) -> str:
    return pgettext("list separator", ", ").join(items)


def check_reason(black: Sequence[MatchedEntry], red: Sequence[MatchedEntry]) -> str:
    """The sentence shown with a result, in the current language."""
    if not black and not red:
        return _("No red or black list entry is in force for this subject.")
    parts = []
    for entries, line in (
        (black, _("Black list: %(measures)s (listed by %(sources)s).")),
        (red, _("Red list: %(measures)s (listed by %(sources)s).")),
    ):
        if not entries:
            continue
        measures = list(dict.fromkeys(label for e in entries for label in e.measure_labels()))
        sources = list(dict.fromkeys(f"{e.authority} {e.document_number}" for e in entries))
        parts.append(line % {"measures": _joined(measures), "sources": _joined(sources)})
    if any(Measure.MANUAL_REVIEW in e.measures for e in black):
        parts.append(_("No instant approval: a member of staff reviews the application."))
    return " ".join(parts)


def check_result_of(check: CreditCheck) -> CheckResult:
    """The result a recorded check gave, rebuilt from its snapshot (in the current language)."""
    matched = [MatchedEntry.from_snapshot(row) for row in check.snapshot]
    black = tuple(m for m in matched if m.list_kind == CreditList.BLACK)
    red = tuple(m for m in matched if m.list_kind == CreditList.RED)
    return CheckResult(
        result=check.result,
        black=black,
        red=red,
        measures=frozenset(m for e in matched for m in e.measures),
        reason=check_reason(black, red),
        check_id=check.pk,
    )


def credit_check(
    *,
    subject_kind: str,
    key: str,
    item_code: str,
    case_number: str = "",
    actor: User | None = None,
    actor_label: str = "",
    purpose: str = CheckPurpose.PROCESS,
    on: dt.date | None = None,
    request: HttpRequest | None = None,
    audit: bool = True,
) -> CheckResult:
    """Check a subject against the lists in force on ``on`` (Beijing today) and record the check.

    Always writes one CreditCheck for a well-formed key, whatever the result; a malformed key or
    an unknown kind is refused (field errors ``kind``/``key``) with nothing written. ``actor`` is
    the member of staff, None for the platform itself; ``actor_label`` names another caller (an
    API token as ``token:<prefix>``). Authorisation is the caller's (pages and API check
    ``Perm.CREDIT_VIEW``; a process step checks as the platform)."""
    errors: dict[str, list[str]] = {}
    canonical = ""
    if subject_kind not in SubjectKind.values:
        errors["kind"] = [_("Choose a natural person or an enterprise or organisation.")]
    else:
        try:
            canonical = normalise_key(subject_kind, key)
        except ValueError as exc:
            errors["key"] = [str(exc)]
    item = (item_code or "").strip()
    number = (case_number or "").strip()
    if len(item) > 64:
        errors["item_code"] = [_("At most %(max)d characters (this one has %(n)d).") % {"max": 64, "n": len(item)}]
    if len(number) > 40:
        errors["case_number"] = [_("At most %(max)d characters (this one has %(n)d).") % {"max": 40, "n": len(number)}]
    if purpose not in CheckPurpose.values:
        errors["purpose"] = [_("Unknown purpose.")]
    _raise(errors, "invalid_check")
    entries = list(selectors.entries_in_force(subject_kind, canonical, on=on))
    black = tuple(MatchedEntry.from_entry(e) for e in entries if e.list_kind == CreditList.BLACK)
    red = tuple(MatchedEntry.from_entry(e) for e in entries if e.list_kind == CreditList.RED)
    result = _outcome(black, red)
    label = actor.get_username() if actor is not None else (actor_label or "system")[:150]
    # No savepoint inside a caller's transaction (a case submission): a failed write fails that
    # transaction anyway, as in dgov.audit.record.
    with transaction.atomic(savepoint=False):
        check = CreditCheck.objects.create(
            subject_kind=subject_kind,
            key_digest=subject_key_digest(subject_kind, canonical),
            key_masked=mask_key(canonical),
            item_code=item,
            case_number=number,
            purpose=purpose,
            actor=actor,
            actor_label=label,
            result=result,
            snapshot=[m.snapshot() for m in (*black, *red)],
        )
        if entries:
            check.matched_entries.set(entries)
        # audit=False: the caller's own audit record names the check (a case submission does).
        if audit:
            record(
                actor=actor if actor is not None else (actor_label or None),
                action="credit.check",
                target=check,
                detail={
                    "key": check.key_masked,
                    "result": result,
                    "entries": [e.pk for e in entries],
                    "item_code": item,
                    "case_number": number,
                    "purpose": purpose,
                },
                request=request,
            )
    return CheckResult(
        result=result,
        black=black,
        red=red,
        measures=frozenset(m for e in (*black, *red) for m in e.measures),
        reason=check_reason(black, red),
        check_id=check.pk,
    )


def credit_entry_key_read(*, actor: User, entry: CreditEntry, request: HttpRequest | None = None) -> str:
    """The entry's key in full, for a manager of its department; a person's ID number shown in
    full is recorded (personal data read) in the audit trail."""
    if not has_perm(actor, Perm.CREDIT_MANAGE, department=entry.department):
        _deny(actor, "credit.entry_key_read", entry, request)
    if entry.subject_kind == SubjectKind.PERSON:
        record(
            actor=actor,
            action="personal_data.read",
            target=entry,
            detail={"fields": ["id_number"], "key": entry.key_masked},
            request=request,
        )
    return entry.subject_key
