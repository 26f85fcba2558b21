"""Every write of the indicators: definitions, targets, reported values, snapshots.

- ``definitions_load`` reads ``data/indicators.csv``: new indicators are created whole; existing
  ones get the file's names and texts but keep their targets (a target is changed by
  ``indicator_targets_update``, audited) unless ``with_targets`` is asked, which is audited too.
- ``reported_value_enter``: a data officer's value for an indicator the platform does not compute,
  with its source and an evidence file checked by content.
- ``snapshots_take``: one day's values for every indicator and scope, replacing that day's earlier
  snapshot (run it again and it is the same; run it for a past day and state indicators get the
  state as stored now, documented in docs/indicators.md).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.audit import record
from dgov.cases.uploads import UploadRejected, check_upload
from dgov.core.errors import ApplicationError
from dgov.indicators import computation
from dgov.indicators.models import Indicator, ReportedValue, Snapshot

DEFINITIONS = Path(__file__).resolve().parent / "data" / "indicators.csv"
TARGET_FIELDS = ("baseline", "midterm", "target")
_TEXT_FIELDS = (
    "category_zh",
    "category_en",
    "name_zh",
    "name_en",
    "unit",
    "unit_en",
    "formula_zh",
    "formula_en",
    "computation_zh",
    "computation_en",
    "method",
    "span",
)
# A value's magnitude the columns hold (12 digits, 4 after the point).
_MAX_VALUE = Decimal("99999999.9999")


def _number(raw: str) -> Decimal | None:
    """A figure of the plan's table: "-" (no figure) is None."""
    raw = raw.strip()
    return None if raw in ("", "-") else Decimal(raw)


def definitions_read(path: Path = DEFINITIONS) -> list[dict[str, Any]]:
    """The definitions file as model field values, checked: every row whole, keys and numbers unique."""
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line, raw in enumerate(csv.DictReader(handle), start=2):
            try:
                row = {
                    "number": int(raw["no"]),
                    "key": raw["key"].strip(),
                    "provincial": raw["provincial"].strip() == "yes",
                    "baseline": _number(raw["baseline_2020"]),
                    "midterm": _number(raw["midterm_2023"]),
                    "target": _number(raw["target_2025"]),
                    **{f: raw[f].strip() for f in _TEXT_FIELDS},
                }
            except (KeyError, ValueError, InvalidOperation, AttributeError) as exc:
                raise ValueError(f"{path.name} line {line}: {exc!r}") from exc
            if row["method"] not in Indicator.Method.values or row["span"] not in Indicator.Span.values:
                raise ValueError(f"{path.name} line {line}: unknown method or span")
            if not row["key"] or not row["name_zh"]:
                raise ValueError(f"{path.name} line {line}: key and name are required")
            rows.append(row)
    if len({r["key"] for r in rows}) != len(rows) or len({r["number"] for r in rows}) != len(rows):
        raise ValueError(f"{path.name}: keys and numbers must be unique")
    return rows


@transaction.atomic
def definitions_load(*, actor: Any = None, path: Path = DEFINITIONS, with_targets: bool = False) -> dict[str, int]:
    """Create or refresh the indicators from the definitions file; returns created/updated counts."""
    counts = {"created": 0, "updated": 0}
    for row in definitions_read(path):
        existing = Indicator.objects.select_for_update().filter(key=row["key"]).first()
        if existing is None:
            indicator = Indicator.objects.create(**row)
            record(actor=actor, action="indicator.define", target=indicator, detail=_target_detail(indicator))
            counts["created"] += 1
            continue
        fields = ["number", "provincial", *_TEXT_FIELDS] + (list(TARGET_FIELDS) if with_targets else [])
        changed = {f: row[f] for f in fields if getattr(existing, f) != row[f]}
        if not changed:
            continue
        before = _target_detail(existing)
        for f, v in changed.items():
            setattr(existing, f, v)
        existing.updated_at = timezone.now()
        existing.save()
        record(
            actor=actor,
            action="indicator.definition_update",
            target=existing,
            detail={"fields": sorted(changed), "before": before, "after": _target_detail(existing)},
        )
        counts["updated"] += 1
    return counts


def _target_detail(indicator: Indicator) -> dict[str, str | None]:
    return {f: None if getattr(indicator, f) is None else str(getattr(indicator, f)) for f in TARGET_FIELDS}


def _target(raw: Any, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    """A target of the plan's table: a number, or none ("-" or empty, as the table writes it)."""
    if raw is not None and str(raw).strip() == "-":
        return None
    return _decimal_field(
        raw,
        field,
        errors,
        required=False,
        not_a_number=_("Enter a number, or leave it empty when the plan has none."),
        negative=_("A target cannot be negative."),
    )


def indicator_targets_update(
    *, actor: Any, indicator: Indicator, values: dict[str, Any], reason: str, request: HttpRequest | None = None
) -> Indicator:
    """Change an indicator's baseline, mid-term and 2025 target; the old and new values and the
    reason go to the audit trail. Percentages stay within 0–100."""
    errors: dict[str, list[str]] = {}
    new = {f: _target(values.get(f), f, errors) for f in TARGET_FIELDS}
    if indicator.is_percent:
        for f, v in new.items():
            if v is not None and v > 100 and f not in errors:
                errors.setdefault(f, []).append(_("A percentage is at most 100."))
    if new["target"] is None and "target" not in errors:
        errors.setdefault("target", []).append(_("The 2025 target is required."))
    if not reason.strip():
        errors.setdefault("reason", []).append(_("Say why the target changes (e.g. the notice that changed it)."))
    if errors:
        raise ApplicationError(_("Please correct the marked fields."), code="invalid_targets", field_errors=errors)
    with transaction.atomic():
        locked = Indicator.objects.select_for_update().get(pk=indicator.pk)
        before = _target_detail(locked)
        for f, v in new.items():
            setattr(locked, f, v)
        locked.updated_at = timezone.now()
        locked.save(update_fields=[*TARGET_FIELDS, "updated_at"])
        record(
            actor=actor,
            action="indicator.targets_update",
            target=locked,
            detail={"before": before, "after": _target_detail(locked), "reason": reason.strip()[:500]},
            request=request,
        )
    return locked


def _decimal_field(
    raw: Any,
    field: str,
    errors: dict[str, list[str]],
    *,
    required: bool,
    not_a_number: str | None = None,
    negative: str | None = None,
) -> Decimal | None:
    """A non-negative number the columns can hold, or None when empty; errors go to ``errors``."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        if required:
            errors.setdefault(field, []).append(_("This field is required."))
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or abs(value) > _MAX_VALUE:
        errors.setdefault(field, []).append(not_a_number or _("Enter a number."))
        return None
    if value < 0:
        errors.setdefault(field, []).append(negative or _("The figure cannot be negative."))
    return value


def reported_value_enter(
    *,
    actor: Any,
    indicator: Indicator,
    as_of: date | None,
    value: Any,
    source: str,
    evidence: UploadedFile | None,
    numerator: Any = None,
    denominator: Any = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> ReportedValue:
    """Record a reported value. Refused for an indicator the platform computes: a computed figure
    is never overwritten by a typed one. Nothing is stored unless every field is right."""
    if computation.is_computed(indicator):
        raise ApplicationError(
            _("%(name)s is computed by the platform; its value cannot be reported.") % {"name": indicator.name},
            code="indicator_computed",
        )
    errors: dict[str, list[str]] = {}
    number = _decimal_field(value, "value", errors, required=True)
    num = _decimal_field(numerator, "numerator", errors, required=False)
    den = _decimal_field(denominator, "denominator", errors, required=False)
    if (num is None) != (den is None) and "numerator" not in errors and "denominator" not in errors:
        errors.setdefault("denominator", []).append(_("Give both the numerator and the denominator, or neither."))
    if den is not None and den == 0:
        errors.setdefault("denominator", []).append(_("The denominator cannot be zero."))
    if indicator.is_percent and number is not None and number > 100:
        errors.setdefault("value", []).append(_("A percentage is at most 100."))
    if as_of is None:
        errors.setdefault("as_of", []).append(_("This field is required."))
    elif as_of > computation.today():
        errors.setdefault("as_of", []).append(_("A value cannot be reported for a day still to come."))
    if not source.strip():
        errors.setdefault("source", []).append(_("Name where the figure comes from."))
    checked = None
    if evidence is None:
        errors.setdefault("evidence", []).append(_("Attach the document the figure comes from."))
    else:
        try:
            checked = check_upload(evidence)
        except UploadRejected as exc:
            errors.setdefault("evidence", []).append(str(exc))
    if errors or checked is None or number is None or as_of is None:
        raise ApplicationError(_("Please correct the marked fields."), code="invalid_report", field_errors=errors)
    now = timezone.now()
    stored = default_storage.save(f"indicators/evidence/{now:%Y/%m}/{checked.storage_name}", checked.file)
    try:
        with transaction.atomic():
            reported = ReportedValue.objects.create(
                indicator=indicator,
                as_of=as_of,
                value=number,
                numerator=num,
                denominator=den,
                source=source.strip()[:200],
                note=note.strip(),
                evidence=stored,
                evidence_name=checked.original_name,
                evidence_type=checked.content_type,
                evidence_sm3=checked.sm3,
                entered_by=actor,
                entered_at=now,
            )
            record(
                actor=actor,
                action="indicator.report",
                target=indicator,
                detail={
                    "reported_value": reported.pk,
                    "as_of": as_of.isoformat(),
                    "value": str(number),
                    "source": reported.source,
                    "evidence_sm3": checked.sm3,
                },
                request=request,
            )
    except Exception:
        default_storage.delete(stored)
        raise
    return reported


@dataclass
class SnapshotReport:
    day: date
    snapshots: int
    computed: int
    reported: int
    missing: int


def snapshots_take(*, day: date | None = None, actor: Any = None) -> SnapshotReport:
    """Compute and store ``day``'s value (today by default) of every indicator for the district,
    each department and each 街道 where the indicator allows; the day's earlier snapshots are
    replaced in the same transaction, so readers see the old set or the new one."""
    day = day or computation.today()
    if day > computation.today():
        raise ApplicationError(_("A snapshot cannot be taken for a day still to come."), code="future_day")
    indicators = list(Indicator.objects.order_by("number"))
    scopes = computation.all_scopes()
    now = timezone.now()
    rows: list[Snapshot] = []
    for indicator in indicators:
        period = computation.period_for(indicator, day)
        period_start = period.since.astimezone(computation.CALENDAR_TZ).date()
        for scope in scopes:
            if not computation.allows(indicator, scope):
                continue
            result = computation.compute(indicator, period, scope)
            rows.append(
                Snapshot(
                    indicator=indicator,
                    day=day,
                    scope=scope.key,
                    source=result.source,
                    numerator=result.numerator,
                    denominator=result.denominator,
                    value=result.value,
                    period_start=period_start,
                    reported=result.reported,
                    computed_at=now,
                )
            )
    with transaction.atomic():
        Snapshot.objects.filter(day=day).delete()
        Snapshot.objects.bulk_create(rows, batch_size=500)
        record(
            actor=actor,
            action="indicator.snapshot",
            detail={"day": day.isoformat(), "snapshots": len(rows)},
        )
    district = [r for r in rows if r.scope == computation.DISTRICT]
    return SnapshotReport(
        day=day,
        snapshots=len(rows),
        computed=sum(r.source == Snapshot.Source.COMPUTED for r in district),
        reported=sum(r.source == Snapshot.Source.REPORTED for r in district),
        missing=sum(r.source == Snapshot.Source.MISSING for r in district),
    )
