"""Every write of the workflow kernel: definitions, instances and the human tasks they wait on.

A step is one transaction: lock the instance row, restore the engine state, complete the task,
run the engine until it waits, save the state, mirror the ready human tasks into ``Task`` rows,
write the audit trail. Two people completing one task: the second finds the row completed once
the first commits and gets a ConflictError; an instance row whose version moved under a step is
a ConflictError too (the guard that still holds where select_for_update is a no-op, as on SQLite).

Permissions: claiming, releasing and completing a task are checked here (``can_work_on``; a
refusal is PermissionDenied, recorded as ``access.denied``), because the workbench calls them
directly for any task. Starting and cancelling an instance are decided by the domain app that
owns the business object (the case layer knows who may withdraw a case); the kernel records who.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import Department, User
from dgov.accounts.permissions import Perm, has_perm
from dgov.audit import record
from dgov.core.errors import ApplicationError, ConflictError
from dgov.workflow import decisions, engine
from dgov.workflow.models import ProcessDefinition, ProcessInstance, Task
from dgov.workflow.selectors import can_work_on, process_definition_get_published
from dgov.workflow.sla import task_due_at
from dgov.workflow.validation import check_definition

PROCESS_DIR = Path(__file__).resolve().parent / "processes"
# Processes that ship with the platform: key -> file in PROCESS_DIR.
SHIPPED_PROCESSES = {"standard_case": "standard_case.bpmn", "instant_case": "instant_case.bpmn"}

MAX_DATA_BYTES = 64 * 1024
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_DATA_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


# --- Helpers ----------------------------------------------------------------------------------


def _require_definition_manager(actor: Any) -> None:
    # None is the platform itself (load_processes).
    if actor is not None and not has_perm(actor, Perm.WORKFLOW_DEFINITIONS):
        raise PermissionDenied


def _clean_data(data: Any) -> dict[str, Any]:
    """Process data as the engine may hold it: a JSON object with identifier keys, not too big."""
    if not isinstance(data, dict):
        raise ApplicationError(_("Process data must be an object of named values."), code="invalid_data")
    bad = [str(k) for k in data if not isinstance(k, str) or not _DATA_KEY.match(k)]
    if bad:
        raise ApplicationError(
            _("These data names are not allowed: %(names)s (use letters, digits and _, starting with a letter).")
            % {"names": ", ".join(sorted(bad))},
            code="invalid_data",
        )
    try:
        dumped = json.dumps(data, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ApplicationError(
            _("Process data must be plain JSON values: %(error)s") % {"error": exc}, code="invalid_data"
        ) from exc
    if len(dumped.encode("utf-8")) > MAX_DATA_BYTES:
        raise ApplicationError(
            _("Process data is larger than %(limit)d bytes.") % {"limit": MAX_DATA_BYTES}, code="invalid_data"
        )
    cleaned: dict[str, Any] = json.loads(dumped)
    return cleaned


def _form_errors(fields: tuple[engine.FormField, ...], data: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for f in fields:
        value = data.get(f.id)
        if value is None or value == "":
            if f.required:
                errors[f.id] = [_("This field is required.")]
            continue
        if f.options and value not in f.options:
            errors[f.id] = [_("Choose one of: %(options)s.") % {"options": ", ".join(f.options)}]
        elif f.type == "long" and (isinstance(value, bool) or not isinstance(value, int)):
            errors[f.id] = [_("Enter a whole number.")]
        elif f.type == "boolean" and not isinstance(value, bool):
            errors[f.id] = [_("Enter true or false.")]
    return errors


def _form_json(fields: tuple[engine.FormField, ...]) -> list[dict[str, Any]]:
    return [
        {"id": f.id, "type": f.type, "label": f.label, "required": f.required, "options": list(f.options)}
        for f in fields
    ]


def _lock_instance(pk: int) -> ProcessInstance:
    # of=self: not the definition row, which every new instance's foreign key checks at commit.
    return ProcessInstance.objects.select_for_update(of=("self",)).select_related("definition").get(pk=pk)


def _lock_instance_row(pk: int) -> None:
    """Serialise with the instance's steps without reading its engine state (claims, releases)."""
    list(ProcessInstance.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True))


def _sync_tasks(instance: ProcessInstance, run: engine.Run, *, new: bool = False) -> list[Task]:
    """Mirror the engine's ready user tasks into Task rows: new ones created, vanished ones cancelled.

    ``new``: the instance was created in this transaction, so it has no rows to read yet."""
    now = timezone.now()
    ready = {t.id: t for t in run.human_tasks()}
    open_rows = {} if new else {str(t.spiff_task_id): t for t in instance.tasks.filter(state__in=Task.OPEN_STATES)}
    gone = [row.pk for key, row in open_rows.items() if key not in ready]
    if gone:
        Task.objects.filter(pk__in=gone).update(state=Task.State.CANCELLED, completed_at=now)
    created = []
    for key, human in ready.items():
        if key in open_rows:
            continue
        if not human.role:
            # Upload validation makes this unreachable; refuse rather than create a task nobody can do.
            raise ApplicationError(_("The step %(step)s names no role.") % {"step": human.spec_id}, code="no_role")
        created.append(
            Task(
                instance=instance,
                spec_id=human.spec_id,
                spiff_task_id=human.id,
                name=human.name[:200],
                role=human.role,
                department_id=instance.department_id,
                form=_form_json(human.fields),
                due_at=task_due_at(start=now, days=human.days),
                created_at=now,
            )
        )
    return Task.objects.bulk_create(created)


def _closed_message(task: Task) -> str:
    if task.state == Task.State.COMPLETED:
        who = task.completed_by.display_name if task.completed_by else _("someone else")
        return _("This task was already completed by %(name)s.") % {"name": who}
    return _("This task was cancelled: the process no longer waits for it.")


def _deny(actor: Any, task: Task, action: str) -> NoReturn:
    record(actor=actor, action="access.denied", target=task, detail={"action": action, "role": task.role})
    raise PermissionDenied(_("You do not hold the role this task needs in its department."))


# --- Definitions ------------------------------------------------------------------------------


def process_definition_upload(
    *, actor: User | None, key: str, name: str, bpmn_xml: str | bytes, process_id: str | None = None
) -> ProcessDefinition:
    """Store a checked BPMN file as the next draft version of key; nothing is written if it is invalid."""
    _require_definition_manager(actor)
    if not _KEY.match(key or ""):
        message = _("A key is 1-64 lowercase letters, digits and _, starting with a letter.")
        raise ApplicationError(message, code="invalid_key", field_errors={"key": [message]})
    process_id = process_id or key
    checked = check_definition(bpmn_xml, process_id)
    if checked.errors:
        raise ApplicationError(
            _("The BPMN file was refused: %(errors)s") % {"errors": " ".join(checked.errors)},
            code="invalid_bpmn",
            field_errors={"bpmn_xml": checked.errors},
        )
    name = (name or checked.name or key).strip()[:200]
    try:
        with transaction.atomic():
            latest = ProcessDefinition.objects.filter(key=key).aggregate(v=Max("version"))["v"] or 0
            definition = ProcessDefinition.objects.create(
                key=key,
                version=latest + 1,
                name=name,
                process_id=process_id,
                bpmn_xml=checked.text,
                created_by=actor,
            )
            record(
                actor=actor,
                action="workflow.definition_upload",
                target=definition,
                detail={"key": key, "version": definition.version, "process_id": process_id},
            )
    except IntegrityError as exc:
        # Two uploads of one key at once: the unique (key, version) let only one through.
        raise ConflictError(
            _("Another version of %(key)s was uploaded at the same time; try again.") % {"key": key}
        ) from exc
    return definition


def process_definition_publish(*, actor: User | None, definition: ProcessDefinition) -> ProcessDefinition:
    """Make a draft the version new instances start on; the previously published one is retired.

    Running instances are untouched: each keeps the version (and engine state) it started with."""
    _require_definition_manager(actor)
    with transaction.atomic():
        # Lock every version of the key, in primary-key order, so two publishes cannot interleave.
        versions = list(ProcessDefinition.objects.select_for_update().filter(key=definition.key).order_by("pk"))
        current = next(d for d in versions if d.pk == definition.pk)
        if current.status != ProcessDefinition.Status.DRAFT:
            raise ConflictError(
                _("Only a draft can be published; %(definition)s is %(status)s.")
                % {"definition": current, "status": current.get_status_display()},
            )
        now = timezone.now()
        retired = [d for d in versions if d.status == ProcessDefinition.Status.PUBLISHED]
        for old in retired:
            old.status = ProcessDefinition.Status.RETIRED
            old.retired_at = now
            old.save(update_fields=["status", "retired_at"])
        current.status = ProcessDefinition.Status.PUBLISHED
        current.published_at = now
        current.save(update_fields=["status", "published_at"])
        record(
            actor=actor,
            action="workflow.definition_publish",
            target=current,
            detail={"key": current.key, "version": current.version, "retired": [d.version for d in retired]},
        )
    definition.refresh_from_db()
    return current


def process_definitions_load_shipped(*, actor: User | None = None, upgrade: bool = False) -> dict[str, str]:
    """Upload and publish the processes that ship with the platform. Safe to run again.

    A key that has no version gets the file as version 1. A key whose stored versions already
    include the file's exact text is left alone (also when an administrator has since published
    another version). Otherwise the file is a newer template: loaded and published only with
    ``upgrade``, so a district's own version is never replaced silently."""
    outcome: dict[str, str] = {}
    for key, filename in SHIPPED_PROCESSES.items():
        text = (PROCESS_DIR / filename).read_text(encoding="utf-8")
        versions = ProcessDefinition.objects.filter(key=key)
        if versions.filter(bpmn_xml=text).exists():
            outcome[key] = "unchanged"
            continue
        if versions.exists() and not upgrade:
            outcome[key] = "differs"
            continue
        with transaction.atomic():
            definition = process_definition_upload(actor=actor, key=key, name="", bpmn_xml=text)
            process_definition_publish(actor=actor, definition=definition)
        outcome[key] = f"published v{definition.version}"
    return outcome


# --- Instances --------------------------------------------------------------------------------


def process_start(
    *,
    actor: User | None,
    definition_key: str,
    subject_type: str,
    subject_id: str | int,
    department: Department,
    data: dict[str, Any],
    applicant: User | None = None,
    decision_context: Mapping[str, Any] | None = None,
) -> ProcessInstance:
    """Start the published version of a process for a business object and run it until it waits.

    ``decision_context``: facts its business-rule tasks may read at start besides the data, kept
    out of the stored state (see dgov.workflow.decisions.decider).

    ``applicant`` is the person the process serves; tasks for the pseudo-role "applicant" are theirs.
    A business object has at most one running instance."""
    subject_id = str(subject_id)
    if not subject_type or not subject_id or len(subject_type) > 64 or len(subject_id) > 64:
        raise ApplicationError(_("A process needs a subject type and id (up to 64 characters each)."))
    clean = _clean_data(data)
    definition = process_definition_get_published(key=definition_key)
    if definition is None:
        raise ApplicationError(
            _("No published process has the key %(key)s.") % {"key": definition_key}, code="no_definition"
        )
    now = timezone.now()
    try:
        run = engine.start(definition.bpmn_xml, definition.process_id, clean, decisions.decider(now, decision_context))
    except engine.EngineError as exc:
        raise ApplicationError(
            _("The process cannot start with this data: %(detail)s") % {"detail": exc.detail}, code="no_path"
        ) from exc
    completed = run.completed
    try:
        with transaction.atomic():
            instance = ProcessInstance.objects.create(
                definition=definition,
                subject_type=subject_type,
                subject_id=subject_id,
                department=department,
                applicant=applicant,
                started_by=actor,
                state=run.dump(),
                status=ProcessInstance.Status.COMPLETED if completed else ProcessInstance.Status.RUNNING,
                outcome=run.outcome if completed else "",
                started_at=now,
                completed_at=now if completed else None,
            )
            _sync_tasks(instance, run, new=True)
            # One audit record for the start: the decisions taken on the way and, when the process
            # ran to its end at once (秒批), the outcome are part of it.
            decided = decisions.decisions_record(instance=instance, run=run, actor=actor, audit=False)
            instance.started_decisions = decided
            record(
                actor=actor,
                action="workflow.process_start",
                target=instance,
                detail={
                    "definition": definition.key,
                    "version": definition.version,
                    "subject": f"{subject_type}:{subject_id}",
                    "department": department.code,
                    **({"decisions": [decisions.audit_summary(d) for d in decided]} if decided else {}),
                    **({"completed": True, "outcome": instance.outcome} if completed else {}),
                },
            )
    except IntegrityError as exc:
        raise ConflictError(
            _("A process is already running for %(subject)s.") % {"subject": f"{subject_type}:{subject_id}"},
            code="already_running",
        ) from exc
    return instance


def process_cancel(*, actor: User | None, instance: ProcessInstance, reason: str) -> ProcessInstance:
    """Stop a running instance (e.g. the applicant withdrew); its open tasks are cancelled."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            _("Give a reason for cancelling."), code="reason_required", field_errors={"reason": [_("Required.")]}
        )
    with transaction.atomic():
        locked = _lock_instance(instance.pk)
        if locked.status != ProcessInstance.Status.RUNNING:
            raise ConflictError(
                _("This process has already ended (%(status)s).") % {"status": locked.get_status_display()},
                code="not_running",
            )
        run = engine.restore(locked.state)
        run.cancel()
        now = timezone.now()
        _save_step(locked, run, status=ProcessInstance.Status.CANCELLED, cancelled_at=now, cancel_reason=reason)
        Task.objects.filter(instance=locked, state__in=Task.OPEN_STATES).update(
            state=Task.State.CANCELLED, completed_at=now
        )
        record(actor=actor, action="workflow.process_cancel", target=locked, detail={"reason": reason})
    return locked


def _save_step(instance: ProcessInstance, run: engine.Run, **changes: Any) -> None:
    """Write the new engine state if the instance is still at the version this step read."""
    changes["state"] = run.dump()
    updated = ProcessInstance.objects.filter(pk=instance.pk, version=instance.version).update(
        version=F("version") + 1, **changes
    )
    if updated != 1:
        raise ConflictError(_("The process changed while this step ran; reload and try again."))
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.version += 1


# --- Tasks ------------------------------------------------------------------------------------


def task_claim(*, actor: User, task: Task) -> Task:
    """Take a ready task: from now on only the claimant can complete it (until they release it)."""
    if not can_work_on(actor, task):
        _deny(actor, task, "workflow.task_claim")
    with transaction.atomic():
        _lock_instance_row(task.instance_id)
        row = Task.objects.select_related("assignee", "completed_by").get(pk=task.pk)
        if row.state == Task.State.CLAIMED and row.assignee_id == actor.pk:
            return row
        if row.state == Task.State.CLAIMED:
            raise ConflictError(
                _("This task has been claimed by %(name)s.")
                % {"name": row.assignee.display_name if row.assignee else "?"},
                code="claimed",
            )
        if row.state != Task.State.READY:
            raise ConflictError(_closed_message(row), code="task_closed")
        row.state = Task.State.CLAIMED
        row.assignee = actor
        row.claimed_at = timezone.now()
        row.save(update_fields=["state", "assignee", "claimed_at"])
        record(
            actor=actor,
            action="workflow.task_claim",
            target=row,
            detail={"instance": row.instance_id, "step": row.spec_id},
        )
    return row


def task_release(*, actor: User, task: Task) -> Task:
    """Give a claimed task back to the queue; only its claimant can."""
    with transaction.atomic():
        _lock_instance_row(task.instance_id)
        row = Task.objects.get(pk=task.pk)
        if row.state != Task.State.CLAIMED:
            raise ConflictError(_("This task is not claimed."), code="not_claimed")
        if row.assignee_id != actor.pk:
            raise PermissionDenied(_("Only the person who claimed a task can release it."))
        row.state = Task.State.READY
        row.assignee = None
        row.claimed_at = None
        row.save(update_fields=["state", "assignee", "claimed_at"])
        record(
            actor=actor,
            action="workflow.task_release",
            target=row,
            detail={"instance": row.instance_id, "step": row.spec_id},
        )
    return row


def task_complete(
    *, actor: User, task: Task, data: dict[str, Any], on_behalf_of: User | None = None
) -> ProcessInstance:
    """Complete a task with the step's data and run the process until it waits again.

    ``on_behalf_of``: the person whose task it is, when actor does it for them (a window clerk
    handing in an applicant's corrected materials); the caller decides whether actor may, this
    function checks the task is that person's, and the audit trail names both.

    Raises PermissionDenied (no role in the department), ConflictError (already completed or
    cancelled, claimed by someone else, instance ended) or ApplicationError (the data does not
    satisfy the step's form or choose a path); nothing is written when it raises."""
    worker = on_behalf_of or actor
    if not can_work_on(worker, task):
        _deny(actor, task, "workflow.task_complete")
    clean = _clean_data(data)
    with transaction.atomic():
        instance = _lock_instance(task.instance_id)
        # Re-read under the lock: the caller's copy may predate another person's completion.
        row = Task.objects.select_related("assignee", "completed_by").get(pk=task.pk)
        if not row.is_open:
            raise ConflictError(_closed_message(row), code="task_closed")
        if row.state == Task.State.CLAIMED and row.assignee_id != worker.pk:
            raise ConflictError(
                _("This task has been claimed by %(name)s.")
                % {"name": row.assignee.display_name if row.assignee else "?"},
                code="claimed",
            )
        if instance.status != ProcessInstance.Status.RUNNING:
            raise ConflictError(_("This process has already ended."), code="not_running")

        run = engine.restore(instance.state, decisions.decider(instance.started_at))
        human = run.human_task(str(row.spiff_task_id))
        if human is None:
            raise ConflictError(_("The process no longer waits for this task; reload."), code="task_closed")
        field_errors = _form_errors(human.fields, clean)
        if field_errors:
            raise ApplicationError(
                _("The data for %(step)s is incomplete or invalid.") % {"step": row.name},
                code="invalid_data",
                field_errors=field_errors,
            )
        try:
            run.complete(human.id, clean)
        except engine.EngineError as exc:
            raise ApplicationError(
                _("The data for %(step)s does not lead to a next step: %(detail)s")
                % {"step": row.name, "detail": exc.detail},
                code="no_path",
            ) from exc

        now = timezone.now()
        completed = run.completed
        changes: dict[str, Any] = {}
        if completed:
            changes = {"status": ProcessInstance.Status.COMPLETED, "completed_at": now, "outcome": run.outcome}
        _save_step(instance, run, **changes)

        row.state = Task.State.COMPLETED
        row.assignee = row.assignee or worker
        row.completed_by = worker
        row.completed_at = now
        row.result = clean
        row.save(update_fields=["state", "assignee", "completed_by", "completed_at", "result"])
        _sync_tasks(instance, run)
        decisions.decisions_record(instance=instance, run=run, actor=actor)

        record(
            actor=actor,
            action="workflow.task_complete",
            target=row,
            detail={
                "instance": instance.pk,
                "step": row.spec_id,
                "data": clean,
                **({"on_behalf_of": on_behalf_of.pk} if on_behalf_of is not None else {}),
            },
        )
        if completed:
            record(
                actor=actor, action="workflow.process_complete", target=instance, detail={"outcome": instance.outcome}
            )
    return instance
