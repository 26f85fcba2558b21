"""Decision tables: upload, publish, the version in force, evaluation for business-rule tasks, replay.

A table is uploaded as a DMN file holding one decision whose id is the table's key, checked by
:mod:`dgov.workflow.dmn` (and, for UNIQUE tables, for rules that could both match), stored as the
next draft version and published by a definitions manager; publishing retires the previous
version. A business-rule task evaluates the version that was in force when its process instance
started, so a changed table applies to new cases only.

Every evaluation is kept as a :class:`DecisionRecord` (table version, input values, matched rules,
outputs) with an audit record; :func:`decision_replay` evaluates the stored version again on the
stored inputs, so an auditor can check that the recorded outcome is what the rules give.
"""

from __future__ import annotations

import datetime
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import User
from dgov.accounts.permissions import Perm, has_perm
from dgov.audit import record
from dgov.core.errors import ApplicationError, ConflictError
from dgov.workflow import dmn, engine
from dgov.workflow.models import DecisionDefinition, DecisionRecord, ProcessInstance

DECISION_DIR = Path(__file__).resolve().parent / "tables"
# The process variable a business-rule task sets to the evaluation's status (dmn.STATUSES or "no_table").
STATUS_VARIABLE = "rules_status"
NO_TABLE = "no_table"
# Process variables the platform sets at start (dgov.cases.services.case_submit): a table output of
# the same name would overwrite them, e.g. let the rules approve past a black credit entry.
RESERVED_OUTPUTS = frozenset({STATUS_VARIABLE, "promised_days", "decision_key", "credit_black", "materials_owed"})


def _require_manager(actor: Any) -> None:
    if actor is not None and not has_perm(actor, Perm.WORKFLOW_DEFINITIONS):
        raise PermissionDenied


def check_table(raw: str | bytes, key: str | None = None) -> tuple[str, dmn.Table]:
    """The text to store and the checked table of an uploaded DMN file; ApplicationError when refused."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise ApplicationError(_("A DMN file is UTF-8 text."), code="invalid_dmn") from None
    try:
        tables = dmn.read(text)
    except dmn.DmnError as exc:
        message = _("The DMN file was refused: %(error)s") % {"error": exc}
        raise ApplicationError(message, code="invalid_dmn", field_errors={"dmn_xml": [message]}) from exc
    if len(tables) != 1:
        message = _("A DMN file holds one decision table; this one holds %(n)d.") % {"n": len(tables)}
        raise ApplicationError(message, code="invalid_dmn", field_errors={"dmn_xml": [message]})
    table = tables[0]
    errors = []
    if key is not None and table.decision_id != key:
        errors.append(
            _('The decision id is "%(id)s" but the table is "%(key)s": they must be the same.')
            % {"id": table.decision_id, "key": key}
        )
    reserved = sorted({o.name for o in table.outputs} & RESERVED_OUTPUTS)
    if reserved:
        errors.append(_("These output names are kept for the platform: %(names)s.") % {"names": ", ".join(reserved)})
    for a, b in dmn.overlapping_rules(table):
        errors.append(
            _(
                "Rules %(a)d and %(b)d can both match the same case, which a UNIQUE table does not allow: "
                "make them exclusive or choose the FIRST hit policy."
            )
            % {"a": a, "b": b}
        )
    if errors:
        raise ApplicationError(
            _("The DMN file was refused: %(errors)s") % {"errors": " ".join(errors)},
            code="invalid_dmn",
            field_errors={"dmn_xml": errors},
        )
    return text, table


def decision_definition_upload(
    *, actor: User | None, dmn_xml: str | bytes, key: str | None = None
) -> DecisionDefinition:
    """Store a checked DMN file as the next draft version of its decision; nothing is written if refused."""
    _require_manager(actor)
    text, table = check_table(dmn_xml, key)
    try:
        with transaction.atomic():
            latest = DecisionDefinition.objects.filter(key=table.decision_id).aggregate(v=Max("version"))["v"] or 0
            definition = DecisionDefinition.objects.create(
                key=table.decision_id, version=latest + 1, name=table.name[:200], dmn_xml=text, created_by=actor
            )
            record(
                actor=actor,
                action="workflow.decision_upload",
                target=definition,
                detail={"key": definition.key, "version": definition.version, "rules": len(table.rules)},
            )
    except IntegrityError as exc:
        raise ConflictError(
            _("Another version of %(key)s was uploaded at the same time; try again.") % {"key": table.decision_id}
        ) from exc
    return definition


def decision_definition_publish(*, actor: User | None, definition: DecisionDefinition) -> DecisionDefinition:
    """Make a draft the version new cases use; the previously published one is retired."""
    _require_manager(actor)
    with transaction.atomic():
        versions = list(DecisionDefinition.objects.select_for_update().filter(key=definition.key).order_by("pk"))
        current = next(d for d in versions if d.pk == definition.pk)
        if current.status != DecisionDefinition.Status.DRAFT:
            raise ConflictError(
                _("Only a draft can be published; %(definition)s is %(status)s.")
                % {"definition": current, "status": current.get_status_display()},
            )
        now = timezone.now()
        retired = [d for d in versions if d.status == DecisionDefinition.Status.PUBLISHED]
        for old in retired:
            old.status = DecisionDefinition.Status.RETIRED
            old.retired_at = now
            old.save(update_fields=["status", "retired_at"])
        current.status = DecisionDefinition.Status.PUBLISHED
        current.published_at = now
        current.save(update_fields=["status", "published_at"])
        record(
            actor=actor,
            action="workflow.decision_publish",
            target=current,
            detail={"key": current.key, "version": current.version, "retired": [d.version for d in retired]},
        )
    return current


def decision_definitions_load_shipped(*, actor: User | None = None, upgrade: bool = False) -> dict[str, str]:
    """Upload and publish the tables in DECISION_DIR (one file per key, named <key>.dmn); safe to
    run again. As for processes, a key whose stored versions differ from the file is changed only
    with ``upgrade``, so a district's own version is never replaced silently."""
    outcome: dict[str, str] = {}
    for path in sorted(DECISION_DIR.glob("*.dmn")):
        key = path.stem
        text = path.read_text(encoding="utf-8")
        versions = DecisionDefinition.objects.filter(key=key)
        if versions.filter(dmn_xml=text).exists():
            outcome[key] = "unchanged"
            continue
        if versions.exists() and not upgrade:
            outcome[key] = "differs"
            continue
        with transaction.atomic():
            definition = decision_definition_upload(actor=actor, dmn_xml=text, key=key)
            decision_definition_publish(actor=actor, definition=definition)
        outcome[key] = f"published v{definition.version}"
    return outcome


# --- Evaluation -------------------------------------------------------------------------------


def decision_in_force(*, key: str, at: datetime.datetime) -> DecisionDefinition | None:
    """The version of a table that cases started at ``at`` use: published by then, not yet retired."""
    return (
        DecisionDefinition.objects.filter(key=key, published_at__lte=at)
        .filter(Q(retired_at__isnull=True) | Q(retired_at__gt=at))
        .order_by("-version")
        .first()
    )


@lru_cache(maxsize=128)
def _table(dmn_xml: str, key: str) -> dmn.Table:
    # Keyed by content: a stored version never changes.
    return dmn.read_one(dmn_xml, key)


def table_of(definition: DecisionDefinition) -> dmn.Table:
    """The checked table of a stored version (parsed once per process)."""
    return _table(definition.dmn_xml, definition.key)


class Facts(dict[str, Any]):
    """What the tables may read besides the process data (see :func:`decider`), with the table
    versions the facts were gathered for (key -> the version in force then, or None for none).

    A business-rule task evaluates the pinned version, so the table that decides is the one whose
    inputs were read, even if another version is published between the reading and the start;
    and the version in force is not looked up a second time."""

    def __init__(
        self, facts: Mapping[str, Any] | None = None, *, tables: Mapping[str, DecisionDefinition | None] | None = None
    ) -> None:
        super().__init__(facts or {})
        self.tables: dict[str, DecisionDefinition | None] = dict(tables or {})


@dataclass(frozen=True)
class Trace:
    """What a business-rule task decided, until the services store it as a DecisionRecord."""

    key: str
    definition: DecisionDefinition | None
    evaluation: dmn.Evaluation | None  # None when no table was in force


def decider(at: datetime.datetime, context: Mapping[str, Any] | None = None) -> engine.Decider:
    """The decider for an instance started at ``at`` (see engine.Decider).

    ``context``: facts the tables may read besides the process data (the form, registry facts,
    licences, credit), given by the domain app at start and never stored in the engine state:
    a table's trace keeps only the values it used. As :class:`Facts`, it also names the table
    versions to use (the ones the facts were read for)."""

    pinned = context.tables if isinstance(context, Facts) else {}

    def decide(key: str, data: Any) -> tuple[dict[str, Any], Any]:
        definition = pinned[key] if key in pinned else decision_in_force(key=key, at=at)
        if definition is None:
            return {STATUS_VARIABLE: NO_TABLE}, Trace(key, None, None)
        facts = ChainMap(dict(context), data) if context else data
        evaluation = dmn.evaluate(_table(definition.dmn_xml, key), facts)
        outputs = dict(evaluation.outputs) if evaluation.decided else {}
        outputs[STATUS_VARIABLE] = evaluation.status
        return outputs, Trace(key, definition, evaluation)

    return decide


def audit_summary(row: DecisionRecord) -> dict[str, Any]:
    """What the audit trail keeps of a decision (the inputs stay in the encrypted record)."""
    return {
        "record": row.pk,
        "key": row.key,
        "version": row.definition.version if row.definition else None,
        "status": row.status,
        "matched": row.matched,
        "outputs": row.outputs,
    }


def decisions_record(
    *, instance: ProcessInstance, run: engine.Run, actor: User | None, audit: bool = True
) -> list[DecisionRecord]:
    """Store the decisions a run made (inside the caller's transaction), each with an audit record
    (``audit=False``: the caller's record lists them, see :func:`audit_summary`)."""
    rows = []
    for call in run.decisions:
        trace: Trace = call.trace
        ev = trace.evaluation
        row = DecisionRecord(
            instance=instance,
            step=call.step,
            key=trace.key,
            definition=trace.definition,
            status=ev.status if ev is not None else DecisionRecord.Status.NO_TABLE,
            matched=ev.matched if ev is not None else [],
            outputs=ev.outputs if ev is not None else {},
            detail=ev.detail if ev is not None else [],
        )
        row.inputs = ev.inputs if ev is not None else {}
        row.save()
        if audit:
            record(
                actor=actor,
                action="workflow.decision",
                target=row,
                detail={"instance": instance.pk, **audit_summary(row)},
            )
        rows.append(row)
    return rows


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for path, value in flat.items():
        node = data
        names = path.split(".")
        for name in names[:-1]:
            node = node.setdefault(name, {})
        node[names[-1]] = value
    return data


@dataclass(frozen=True)
class Replay:
    same: bool
    evaluation: dmn.Evaluation


def decision_replay(*, decision: DecisionRecord) -> Replay:
    """Evaluate the recorded table version again on the recorded inputs and compare the outcome."""
    if decision.definition is None:
        raise ApplicationError(_("No table was in force for this decision; there is nothing to replay."))
    evaluation = dmn.evaluate(_table(decision.definition.dmn_xml, decision.key), _nest(decision.inputs))
    same = (
        evaluation.status == decision.status
        and evaluation.matched == list(decision.matched)
        and evaluation.outputs == decision.outputs
    )
    return Replay(same, evaluation)
