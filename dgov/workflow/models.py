"""Process definitions (versioned BPMN), their running instances, and the human tasks they wait on."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dgov.accounts.models import Department, Role
from dgov.core.fields import EncryptedTextField
from dgov.workflow.dialect import APPLICANT
from dgov.workflow.sla import DeadlineState, deadline_state


class ProcessDefinition(models.Model):
    """One version of a BPMN process. New instances start on the published version of a key."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    key = models.SlugField(_("key"), max_length=64)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    # The bpmn:process id inside the file that instances run (a file may hold several processes).
    process_id = models.CharField(_("process id"), max_length=200)
    bpmn_xml = models.TextField(_("BPMN XML"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["key", "-version"]
        verbose_name = _("process definition")
        verbose_name_plural = _("process definitions")
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="workflow_definition_key_version"),
            # Publishing retires the previous version: "the process for key K" is never ambiguous.
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(status="published"), name="workflow_one_published_per_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


class ProcessInstance(models.Model):
    """One run of a definition version for one business object (a case, a ticket, an event)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    definition = models.ForeignKey(ProcessDefinition, on_delete=models.PROTECT, related_name="instances")
    # The business object, named generically ("cases.case", "42") so the kernel depends on no domain app.
    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.CharField(_("subject id"), max_length=64)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("owning department")
    )
    # Who the process serves; tasks for the pseudo-role "applicant" are theirs.
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.JSONField(_("engine state"), default=dict)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RUNNING)
    outcome = models.CharField(_("outcome"), max_length=100, blank=True, help_text=_("The end event reached."))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    # Bumped by every engine step; a step writes only if the version it read is still current.
    version = models.PositiveIntegerField(default=1)

    # Not a column: the decisions recorded when this object was started (set by process_start),
    # so the caller reads what the rules decided without a query (dgov.cases.instant).
    started_decisions: list[DecisionRecord] | None = None

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("process instance")
        verbose_name_plural = _("process instances")
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="workflow_instance_subject")]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id"],
                condition=models.Q(status="running"),
                name="workflow_one_running_instance_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition_id}:{self.subject_type}:{self.subject_id}"


class Task(models.Model):
    """A human step of an instance, mirrored from the engine so queues and deadlines are plain queries."""

    class State(models.TextChoices):
        READY = "ready", _("Ready")
        CLAIMED = "claimed", _("Claimed")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATES = (State.READY, State.CLAIMED)

    instance = models.ForeignKey(ProcessInstance, on_delete=models.PROTECT, related_name="tasks")
    spec_id = models.CharField(_("step"), max_length=200, help_text=_("The BPMN element id, e.g. review_step."))
    # The engine's id of this pass through the step: a step done twice (a correction loop) has two.
    spiff_task_id = models.UUIDField(unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    # An accounts.Role value, or "applicant".
    role = models.CharField(_("role"), max_length=32)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.READY)
    # The fields the step asks for, from the definition's camunda:formData.
    form = models.JSONField(_("form"), default=list, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            # A work queue: "ready approver tasks of scjg, soonest due first".
            models.Index(fields=["role", "department", "state", "due_at"], name="workflow_task_queue"),
            models.Index(fields=["assignee", "state"], name="workflow_task_assignee"),
            # Deadline scans: open tasks past or near their due time.
            models.Index(fields=["state", "due_at"], name="workflow_task_due"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def role_label(self) -> str:
        if self.role == APPLICANT:
            return str(_("Applicant"))
        return str(Role(self.role).label) if self.role in Role.values else self.role

    @property
    def deadline_state(self) -> DeadlineState:
        """overdue / due_soon / on_time / none (see dgov.workflow.sla); a closed task is "none"."""
        if not self.is_open:
            return DeadlineState.NONE
        return deadline_state(self.due_at)


class TaskEscalation(models.Model):
    """One step of the escalation ladder taken for an overdue task, and who was told.

    At most one per (task, level): the sweep that inserts the row is the one that notifies, so a
    sweep run twice, or two sweeps at once, escalate a task once per level."""

    class Level(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        SUPERVISION = "supervision", _("Supervision")

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="escalations", verbose_name=_("task"))
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    # The due time that was missed, as it stood when escalating.
    due_at = models.DateTimeField(_("due at"))
    created_at = models.DateTimeField(_("escalated at"), default=timezone.now)
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("notified")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("task escalation")
        verbose_name_plural = _("task escalations")
        constraints = [
            models.UniqueConstraint(fields=["task", "level"], name="workflow_escalation_once_per_level"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.get_level_display()}"


class DecisionDefinition(models.Model):
    """One version of a decision table (DMN). A business-rule task uses the version in force when
    its instance started, so a changed table applies to new cases only."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    # The DMN decision id, which business-rule tasks name (camunda:decisionRef).
    key = models.SlugField(_("key"), max_length=64)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    dmn_xml = models.TextField(_("DMN XML"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["key", "-version"]
        verbose_name = _("decision table")
        verbose_name_plural = _("decision tables")
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="workflow_decision_key_version"),
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(status="published"), name="workflow_one_published_decision"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


class DecisionRecord(models.Model):
    """One evaluation of a decision table by a business-rule task: the trace an applicant reads as
    the grounds of the decision and an auditor replays (same table version, same inputs)."""

    class Status(models.TextChoices):
        DECIDED = "decided", _("Decided by the rules")
        MISSING_INPUT = "missing_input", _("Data missing")
        NO_MATCH = "no_match", _("No rule applies")
        CONFLICT = "conflict", _("Rules disagree")
        ERROR = "error", _("Input of the wrong kind")
        NO_TABLE = "no_table", _("No table in force")

    instance = models.ForeignKey(ProcessInstance, on_delete=models.PROTECT, related_name="decisions")
    step = models.CharField(_("step"), max_length=200)
    key = models.SlugField(_("decision table"), max_length=64)
    definition = models.ForeignKey(
        DecisionDefinition, null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    # Input expression -> value used (personal data: encrypted at rest); the rule numbers that
    # matched; the outputs given to the process.
    inputs_json = EncryptedTextField(_("inputs"), blank=True)
    matched = models.JSONField(_("matched rules"), default=list, blank=True)
    outputs = models.JSONField(_("outputs"), default=dict, blank=True)
    # Missing inputs' labels, or the error, when the rules did not decide.
    detail = models.JSONField(_("detail"), default=list, blank=True)
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("decision record")
        verbose_name_plural = _("decision records")

    def __str__(self) -> str:
        return f"{self.key} {self.status}"

    @property
    def decided(self) -> bool:
        return self.status == self.Status.DECIDED

    @property
    def inputs(self) -> dict[str, Any]:
        return dict(json.loads(self.inputs_json)) if self.inputs_json else {}

    @inputs.setter
    def inputs(self, value: dict[str, Any]) -> None:
        self.inputs_json = json.dumps(value, ensure_ascii=False, sort_keys=True)
