"""一件事 (bundled services): several published items sold as one life event.

A ``Bundle`` names its items by item code, in order (``BundleItem``); the published version of each
item at the time of submission is the one applied for, so a bundle never pins a guide version. Its
merged form asks each field once and its material list asks each material once (see
dgov.bundles.merging). A bundle is edited only while it is a draft, then published, then withdrawn
(and may be reopened as a draft).

A submission is a ``BundleCase``: one number, one form (encrypted at rest, like a case's), one
receipt, and one child ``Case`` per item (``BundleChild``), each in its department's own process.
The parent's status follows its children: it is concluded when all of them are, and partly
concluded when all have ended and at least one was not granted.

Every write goes through dgov.bundles.services.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from dgov.cases.models import Case, Channel
from dgov.catalog.models import LifeEvent
from dgov.core.fields import EncryptedTextField


def _english_page() -> bool:
    return (get_language() or "").startswith("en")


class Bundle(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    life_event = models.ForeignKey(
        LifeEvent, on_delete=models.PROTECT, related_name="bundles", verbose_name=_("life event")
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["life_event__audience", "life_event__position", "code"]
        verbose_name = _("bundle")
        verbose_name_plural = _("bundles")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def label(self) -> str:
        return self.name_en if self.name_en and _english_page() else self.name

    @property
    def item_codes(self) -> list[str]:
        return [e.item_code for e in self.entries.all()]


class BundleItem(models.Model):
    """One item of a bundle, by item code (the published version is used when applying)."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveSmallIntegerField(_("number"))
    item_code = models.CharField(_("item code"), max_length=64)

    class Meta:
        ordering = ["bundle", "position"]
        verbose_name = _("bundle item")
        verbose_name_plural = _("bundle items")
        constraints = [
            models.UniqueConstraint(fields=["bundle", "position"], name="bundles_item_position"),
            models.UniqueConstraint(fields=["bundle", "item_code"], name="bundles_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.bundle_id} {self.position}. {self.item_code}"


class BundleCase(models.Model):
    """One submission of a bundle: the parent of one case per item."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        IN_PROGRESS = "in_progress", _("In progress")
        CONCLUDED = "concluded", _("Concluded")
        PARTLY_CONCLUDED = "partly_concluded", _("Concluded, not all granted")

    ENDED_STATUSES = (Status.CONCLUDED, Status.PARTLY_CONCLUDED)

    # Given in the submitting transaction (dgov.bundles.numbering); NULL only inside it.
    number = models.CharField(_("number"), max_length=40, unique=True, null=True, blank=True)
    bundle = models.ForeignKey(Bundle, on_delete=models.PROTECT, related_name="cases", verbose_name=_("bundle"))
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bundle_cases", verbose_name=_("applicant")
    )
    applicant_name = models.CharField(_("applicant name"), max_length=100, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.ONLINE)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    # The merged form as filled in, JSON, encrypted at rest (personal data), like Case.form_json.
    form_json = EncryptedTextField(_("form data"), blank=True, default="", context="bundles.bundlecase.form")
    # Same rule as cases: a retried submission with the same key makes one parent (per submitter).
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    request_digest = models.CharField(max_length=64, blank=True, editable=False)
    # The longest of the children's promised time limits and the latest of their deadlines.
    promised_days = models.PositiveSmallIntegerField(_("promised time limit (working days)"), null=True, blank=True)
    due_at = models.DateTimeField(_("promised completion by"), null=True, blank=True)
    cases = models.ManyToManyField(Case, through="BundleChild", related_name="+", verbose_name=_("cases"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("bundle application")
        verbose_name_plural = _("bundle applications")
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="bundles_one_case_per_idempotency_key",
            ),
        ]
        indexes = [models.Index(fields=["applicant", "-submitted_at"], name="bundles_case_applicant")]

    def __str__(self) -> str:
        return self.number or f"bundle case {self.pk}"

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
    def is_ended(self) -> bool:
        return self.status in self.ENDED_STATUSES


class BundleChild(models.Model):
    """A child case of a bundle case, and whether the parent has taken note of its end."""

    class Outcome(models.TextChoices):
        OPEN = "", _("Being handled")
        GRANTED = "granted", _("Granted")
        NOT_GRANTED = "not_granted", pgettext_lazy("bundle child", "Not granted")

    parent = models.ForeignKey(BundleCase, on_delete=models.CASCADE, related_name="children")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="bundle_child")
    position = models.PositiveSmallIntegerField()
    # Set once, when the parent first sees the child ended: the notice about it goes out once.
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.OPEN, blank=True)
    noted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["parent", "position"]
        verbose_name = _("bundle child case")
        verbose_name_plural = _("bundle child cases")
        constraints = [models.UniqueConstraint(fields=["parent", "position"], name="bundles_child_position")]

    def __str__(self) -> str:
        return f"{self.parent_id} {self.position}. {self.case_id}"


class BundleNumberSequence(models.Model):
    """The last bundle sequence number used on a day (see dgov.bundles.numbering)."""

    region_code = models.CharField(max_length=12)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region_code", "day"], name="bundles_sequence_region_day"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.day} {self.last}"
