"""Reads of the workflow kernel: who may work on a task, and each person's queue.

A task is for a role in a department. A member of staff may work on it when they hold that role
with a scope covering the department, exactly as ``dgov.accounts.permissions.has_perm`` scopes
roles (a department-scoped role covers that department, a region-scoped one every department in
the region, an unscoped one all). Tasks for the pseudo-role "applicant" belong to the instance's
applicant. Claims are a separate rule, enforced by the services: a claimed task is its assignee's.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from dgov.accounts.models import RoleAssignment
from dgov.accounts.permissions import Perm, has_perm, in_scope
from dgov.workflow.dialect import APPLICANT
from dgov.workflow.models import DecisionDefinition, DecisionRecord, ProcessDefinition, ProcessInstance, Task
from dgov.workflow.validation import Step, definition_steps


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def _assignments(user: Any) -> list[RoleAssignment]:
    # Read fresh rather than from has_perm's per-user cache: a revoked role stops work at once.
    return list(RoleAssignment.objects.filter(user=user).select_related("department__region", "region"))


def can_work_on(user: Any, task: Task) -> bool:
    """Whether user may claim and complete task by role and scope (claims by others are checked on write)."""
    if not _active(user):
        return False
    if task.role == APPLICANT:
        return task.instance.applicant_id is not None and task.instance.applicant_id == user.pk
    return any(a.role == task.role and in_scope(a, task.department, None) for a in _assignments(user))


def _scope_filter(user: Any) -> Q:
    """The tasks whose role and department user's role assignments cover (mirrors can_work_on)."""
    allowed = Q(role=APPLICANT, instance__applicant=user)
    for a in _assignments(user):
        if a.role == APPLICANT:
            continue
        cover = Q(role=a.role)
        if a.department_id is not None:
            cover &= Q(department_id=a.department_id)
        if a.region is not None:
            path = a.region.path
            cover &= Q(department__region__path=path) | Q(department__region__path__startswith=path + "/")
        allowed |= cover
    return allowed


def task_list_for_user(*, user: Any, state: str | None = None) -> QuerySet[Task]:
    """A person's tasks, soonest due first: by default their queue (ready tasks they may take and
    those they have claimed); with ``state``, every task of that state in their scope."""
    if not _active(user):
        return Task.objects.none()
    qs = Task.objects.filter(_scope_filter(user))
    if state is None:
        qs = qs.filter(Q(state=Task.State.READY) | Q(state=Task.State.CLAIMED, assignee=user))
    else:
        qs = qs.filter(state=state)
    return qs.select_related("instance__definition", "department", "assignee").order_by(
        F("due_at").asc(nulls_last=True), "created_at", "pk"
    )


def task_get_for_user(*, user: Any, pk: int) -> Task:
    """One task in user's scope (any state), or 404."""
    if not _active(user):
        raise Http404
    try:
        return (
            Task.objects.filter(_scope_filter(user))
            .select_related("instance__definition", "department__region", "assignee")
            .get(pk=pk)
        )
    except Task.DoesNotExist as exc:
        raise Http404 from exc


def process_definition_is_published(*, key: str) -> bool:
    """Whether a process key has a published version (one indexed look-up, no XML read)."""
    return ProcessDefinition.objects.filter(key=key, status=ProcessDefinition.Status.PUBLISHED).exists()


def process_definition_get_published(*, key: str) -> ProcessDefinition | None:
    """The version new instances of key start on."""
    return ProcessDefinition.objects.filter(key=key, status=ProcessDefinition.Status.PUBLISHED).first()


def process_instance_for_subject(*, subject_type: str, subject_id: str) -> ProcessInstance | None:
    """The latest instance for a business object (running or ended)."""
    return (
        ProcessInstance.objects.filter(subject_type=subject_type, subject_id=str(subject_id))
        .select_related("definition", "department")
        .defer("state")
        .first()
    )


# --- The process console ---------------------------------------------------------------------
# Who may read these is one flat permission (Perm.WORKFLOW_DEFINITIONS), checked by the views.


@dataclass(frozen=True)
class DefinitionGroup:
    """The versions of one process key, newest first."""

    key: str
    versions: list[ProcessDefinition]

    @property
    def latest(self) -> ProcessDefinition:
        return self.versions[0]

    @property
    def published(self) -> ProcessDefinition | None:
        return next((v for v in self.versions if v.status == ProcessDefinition.Status.PUBLISHED), None)


def _definition_rows() -> QuerySet[ProcessDefinition]:
    # The XML stays in the database until a page needs it; `running` counts the instances that
    # keep the version alive whatever is published next.
    return (
        ProcessDefinition.objects.defer("bpmn_xml")
        .select_related("created_by")
        .annotate(running=Count("instances", filter=Q(instances__status=ProcessInstance.Status.RUNNING)))
        .order_by("key", "-version")
    )


def process_definition_groups() -> list[DefinitionGroup]:
    """Every process definition, grouped by key (keys alphabetically, versions newest first)."""
    return [
        DefinitionGroup(key=key, versions=list(rows))
        for key, rows in itertools.groupby(_definition_rows(), key=lambda d: d.key)
    ]


def process_definition_versions(*, key: str) -> list[ProcessDefinition]:
    """The versions of one key, newest first (without their XML)."""
    return list(_definition_rows().filter(key=key))


def process_definition_get(*, key: str, version: int) -> ProcessDefinition:
    """One version of a process definition, XML included, or 404."""
    try:
        return ProcessDefinition.objects.select_related("created_by").get(key=key, version=version)
    except ProcessDefinition.DoesNotExist as exc:
        raise Http404 from exc


def process_definition_latest(*, key: str) -> ProcessDefinition:
    """The newest version of a key (what a new version is based on), or 404."""
    definition = ProcessDefinition.objects.filter(key=key).order_by("-version").first()
    if definition is None:
        raise Http404
    return definition


def process_definition_steps(*, definition: ProcessDefinition) -> list[Step]:
    """The steps of a definition version in the order a case meets them (for lists beside diagrams)."""
    return definition_steps(definition.bpmn_xml, definition.process_id)


# --- The decision-table console ----------------------------------------------------------------
# Tables are read by the definitions managers (Perm.WORKFLOW_DEFINITIONS, checked by the views);
# decision records hold personal data (the inputs), so their selectors check the reader here.


@dataclass(frozen=True)
class DecisionGroup:
    """The versions of one decision table, newest first."""

    key: str
    versions: list[DecisionDefinition]

    @property
    def latest(self) -> DecisionDefinition:
        return self.versions[0]

    @property
    def published(self) -> DecisionDefinition | None:
        return next((v for v in self.versions if v.status == DecisionDefinition.Status.PUBLISHED), None)

    @property
    def used(self) -> int:
        """Decisions taken on any version of the table."""
        return sum(getattr(v, "used", 0) for v in self.versions)


def _decision_rows() -> QuerySet[DecisionDefinition]:
    # `used` counts the decisions taken on a version ("used by N decisions"): a version that has
    # decided cases is the grounds of those decisions and stays readable whatever is published next.
    return (
        DecisionDefinition.objects.defer("dmn_xml")
        .select_related("created_by")
        .annotate(used=Count("records"))
        .order_by("key", "-version")
    )


def decision_definition_groups() -> list[DecisionGroup]:
    """Every decision table, grouped by key (keys alphabetically, versions newest first), in one query."""
    return [
        DecisionGroup(key=key, versions=list(rows))
        for key, rows in itertools.groupby(_decision_rows(), key=lambda d: d.key)
    ]


def decision_definition_versions(*, key: str) -> list[DecisionDefinition]:
    """The versions of one table, newest first (without their XML), each with its `used` count."""
    return list(_decision_rows().filter(key=key))


def decision_definition_get(*, key: str, version: int) -> DecisionDefinition:
    """One version of a decision table, XML and `used` count included, or 404."""
    try:
        return (
            DecisionDefinition.objects.select_related("created_by")
            .annotate(used=Count("records"))
            .get(key=key, version=version)
        )
    except DecisionDefinition.DoesNotExist as exc:
        raise Http404 from exc


def decision_definition_get_published(*, key: str) -> DecisionDefinition | None:
    """The version of a table that new cases use (without its XML)."""
    return (
        DecisionDefinition.objects.defer("dmn_xml").filter(key=key, status=DecisionDefinition.Status.PUBLISHED).first()
    )


def decision_records_readable(user: Any) -> bool:
    """Whether user may read decision records: audit administrators and definitions managers."""
    return _active(user) and (has_perm(user, Perm.AUDIT_VIEW) or has_perm(user, Perm.WORKFLOW_DEFINITIONS))


def _decision_records(user: Any) -> QuerySet[DecisionRecord]:
    if not decision_records_readable(user):
        raise PermissionDenied
    return DecisionRecord.objects.select_related("instance", "definition").defer("instance__state")


def decision_records_for_auditor(
    *, user: Any, key: str | None = None, status: str | None = None
) -> QuerySet[DecisionRecord]:
    """Decision records, newest first, optionally of one table and one status (without the inputs
    or the tables' XML); PermissionDenied unless user may read them."""
    qs = _decision_records(user).defer("inputs_json", "definition__dmn_xml")
    if key:
        qs = qs.filter(key=key)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-decided_at", "-id")


def decision_record_get_for_auditor(*, user: Any, pk: int) -> DecisionRecord:
    """One decision record with its inputs and its table version (XML included, for the rules and
    a replay), or 404; PermissionDenied unless user may read decision records."""
    try:
        return _decision_records(user).get(pk=pk)
    except DecisionRecord.DoesNotExist as exc:
        raise Http404 from exc


def decision_record_keys() -> list[str]:
    """The tables that decision records name (for the records page's filter)."""
    return list(DecisionRecord.objects.order_by("key").values_list("key", flat=True).distinct())
