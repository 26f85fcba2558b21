"""Applications (办件): a case is one application for one version of one service item.

A case starts as the applicant's draft (no number, not yet anyone else's business), is submitted
online, at the comprehensive window or through a partner channel (it then gets its number and its
BPMN process), and moves through the statuses below as the process's steps are completed. What
the applicant filled in is kept encrypted (it is personal data); uploaded materials live in the
media storage under random names, outside the web root, and are served only through a checked
view. Every step is a ``CaseEvent`` row: the timeline the applicant and the staff read.

Every write goes through dgov.cases.services.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dgov.accounts.models import ApiToken, Department
from dgov.catalog.models import ItemMaterial, ServiceItem
from dgov.core.fields import EncryptedTextField
from dgov.workflow.models import ProcessInstance

# Where a case was submitted (受理渠道): one of the channels an item's guide offers.
Channel = ServiceItem.Channel


class Case(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting acceptance")
        CORRECTION = "correction", _("Awaiting corrected materials")
        ACCEPTED = "accepted", _("Accepted, under review")
        CONCLUDED = "concluded", _("Concluded")
        REFUSED = "refused", _("Not accepted")
        WITHDRAWN = "withdrawn", pgettext_lazy("application", "Withdrawn")

    class Result(models.TextChoices):
        NONE = "", _("None yet")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    OPEN_STATUSES = (Status.SUBMITTED, Status.CORRECTION, Status.ACCEPTED)
    ENDED_STATUSES = (Status.CONCLUDED, Status.REFUSED, Status.WITHDRAWN)

    # Null until submitted; see dgov.cases.numbering for the format.
    number = models.CharField(_("case number"), max_length=32, unique=True, null=True, blank=True)
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="cases", verbose_name=_("item"))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="cases", verbose_name=_("department")
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases", verbose_name=_("applicant")
    )
    # Who entered it: the applicant online, a window clerk, or (partner channel) the applicant again
    # with the partner named in partner_name.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.ONLINE)
    partner_name = models.CharField(_("partner"), max_length=100, blank=True)
    # 跨域通办: the region where the application was received, when another region's platform took
    # it in and handed it over (the handling region is the department's).
    received_in = models.ForeignKey(
        "accounts.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("received in"),
    )
    # The partner system's API token a partner-channel case came through.
    via_token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, default=Result.NONE, blank=True)
    # The form as the applicant filled it in, as JSON, encrypted at rest (personal data).
    form_json = EncryptedTextField(_("form data"), blank=True, default="", context="cases.case.form")
    # Snapshot of the applicant's name as shown on receipts (masked on public pages).
    applicant_name = models.CharField(_("applicant name"), max_length=100, blank=True)
    # A double click or a retried request with the same key makes one case (per submitter).
    # NULL, not "", when absent: the unique constraint below holds only among keys that were sent.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    request_digest = models.CharField(max_length=64, blank=True, editable=False)
    # Public progress look-up: case number + this code (given on the receipt), stored encrypted.
    lookup_code = EncryptedTextField(blank=True, default="", editable=False, context="cases.case.lookup_code")

    # The promised time limit (承诺时限) in working days, copied from the item at submission, and
    # the deadline it gives; the clock stops while the applicant corrects (paused_at set).
    promised_days = models.PositiveSmallIntegerField(_("promised time limit (working days)"), null=True, blank=True)
    due_at = models.DateTimeField(_("promised completion by"), null=True, blank=True)
    paused_at = models.DateTimeField(_("clock paused at"), null=True, blank=True)
    # What the accepting clerk asked for: {"materials": [ItemMaterial ids], "reason": str}.
    correction_request = models.JSONField(default=dict, blank=True)
    # 容缺受理: ids of the item's materials the applicant may hand in after acceptance (a red
    # credit-list incentive); emptied as they arrive. A case is not approved while any is owed.
    owed_materials = models.JSONField(_("materials to follow"), default=list, blank=True)

    instance = models.OneToOneField(
        ProcessInstance, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="cases_one_case_per_idempotency_key",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(number__isnull=False),
                name="cases_submitted_case_has_number",
            ),
        ]
        indexes = [
            models.Index(fields=["applicant", "-created_at"], name="cases_case_applicant"),
            models.Index(fields=["department", "status", "due_at"], name="cases_case_dept_status"),
            models.Index(fields=["status", "due_at"], name="cases_case_due"),
        ]

    def __str__(self) -> str:
        return self.number or f"draft {self.pk}"

    @property
    def form_data(self) -> dict[str, Any]:
        if not self.form_json:
            return {}
        data: dict[str, Any] = json.loads(self.form_json)
        return data

    @form_data.setter
    def form_data(self, value: dict[str, Any]) -> None:
        self.form_json = json.dumps(value, ensure_ascii=False, sort_keys=True)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_ended(self) -> bool:
        return self.status in self.ENDED_STATUSES

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def status_label(self) -> str:
        if self.status == self.Status.CONCLUDED and self.result:
            return f"{self.get_status_display()}（{self.get_result_display()}）"
        return str(self.get_status_display())


def _material_path(instance: CaseMaterial, filename: str) -> str:
    # The stored name never comes from the upload: services pass a random one.
    return f"cases/{timezone.now():%Y/%m}/{filename}"


class CaseMaterial(models.Model):
    """One uploaded file for a material of the case's item (or an extra the applicant added)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    item_material = models.ForeignKey(
        ItemMaterial, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("material")
    )
    file = models.FileField(upload_to=_material_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=64)
    size = models.PositiveIntegerField(_("size"))
    sm3 = models.CharField(_("SM3 digest"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    # Set when a correction replaced this file; replaced files stay for the record.
    replaced_at = models.DateTimeField(_("replaced at"), null=True, blank=True)

    class Meta:
        ordering = ["case", "item_material__position", "uploaded_at", "id"]
        verbose_name = _("case material")
        verbose_name_plural = _("case materials")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_current(self) -> bool:
        return self.replaced_at is None


class CaseRegistryMaterial(models.Model):
    """免提交: a material a base registry holds, taken for the case at submission instead of an upload.

    The facts read (the fields the material's registry path stands for) are kept with the case,
    encrypted, with their SM3 digest and the record's revision, so the decision rests on what the
    registry said at submission even if it changes later. ``found`` is False when the registry has
    no record for the applicant: the department then checks the material itself."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="registry_materials")
    item_material = models.ForeignKey(ItemMaterial, on_delete=models.PROTECT, related_name="+")
    path = models.CharField(_("registry data"), max_length=64)
    found = models.BooleanField(_("found in the registry"), default=True)
    facts_json = EncryptedTextField(blank=True, default="", context="cases.registry_material.facts", editable=False)
    revision = models.PositiveIntegerField(null=True, blank=True, editable=False)
    sm3 = models.CharField(_("SM3 digest"), max_length=64, blank=True, editable=False)
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)

    class Meta:
        ordering = ["case", "item_material__position"]
        verbose_name = _("material from a registry")
        verbose_name_plural = _("materials from registries")
        constraints = [models.UniqueConstraint(fields=["case", "item_material"], name="cases_registry_material_once")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.path}"

    @property
    def facts(self) -> dict[str, Any]:
        if not self.facts_json:
            return {}
        data: dict[str, Any] = json.loads(self.facts_json)
        return data


class CaseEvent(models.Model):
    """A line of the case's timeline."""

    class Kind(models.TextChoices):
        DRAFT_SAVED = "draft_saved", _("Draft saved")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Not accepted")
        CORRECTION_REQUESTED = "correction_requested", _("Corrections requested")
        CORRECTED = "corrected", _("Corrected materials received")
        REVIEWED = "reviewed", _("Reviewed")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CONCLUDED = "concluded", _("Concluded")
        WITHDRAWN = "withdrawn", pgettext_lazy("application", "Withdrawn")
        STEP = "step", _("Step completed")
        OPINION = "opinion", _("Opinion")
        LICENCE_ISSUED = "licence_issued", _("E-licence issued")
        LICENCE_PENDING = "licence_pending", _("E-licence not yet issued")
        RULES_APPROVED = "rules_approved", _("Approved by the published rules")
        RULES_REFERRED = "rules_referred", _("Passed to a person by the rules")
        CREDIT_CHECKED = "credit_checked", _("Credit list checked")
        TOLERATED = "tolerated", _("Accepted with materials to follow (credit incentive)")
        OWED_SUPPLIED = "owed_supplied", _("Materials to follow handed in")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The acting department's name at the time (the applicant sees who, not which person).
    actor_label = models.CharField(max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Internal steps (a review opinion) are for staff only.
    public = models.BooleanField(default=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "at"], name="cases_event_case_at")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class CaseNumberSequence(models.Model):
    """The last sequence number used for a region and a day (see dgov.cases.numbering)."""

    region_code = models.CharField(max_length=12)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region_code", "day"], name="cases_sequence_region_day")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.day} {self.last}"
