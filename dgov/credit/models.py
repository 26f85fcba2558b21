"""社会信用联合奖惩: the red and black lists, and the checks made against them (应查必查).

A :class:`CreditEntry` puts one subject (a natural person by resident ID number, or an enterprise
or other organisation by its unified social credit code) on the red list (守信激励) or the black
list (失信惩戒), with the measures that follow from it, the authority and decision that listed it,
and a validity period. Entries are never deleted: a withdrawn entry (移出, e.g. after 信用修复)
stays, with who withdrew it, when and why, so the history of every check remains explainable.

A :class:`CreditCheck` is written for every look-up made while handling an application, by the
API or by a member of staff, whatever the result: it keeps a snapshot of the entries it found, so a
later withdrawal does not change what the check saw. It names the case by its number and the item
by its code (plain strings), so this app depends on no domain app.

Basis: 国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见
(国发〔2016〕33号) and 国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见
(国办发〔2020〕49号): measures are applied only while an entry is in force and only as its
decision states.

Every write goes through dgov.credit.services.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dgov.accounts.models import Department
from dgov.core import crypto
from dgov.core.fields import EncryptedTextField

TEXT_MAX = 2000
NAME_MAX = 100


class CreditList(models.TextChoices):
    RED = "red", _("Red list")  # 红名单（守信联合激励）
    BLACK = "black", _("Black list")  # 黑名单（失信联合惩戒）


class SubjectKind(models.TextChoices):
    PERSON = "person", _("Natural person")  # 自然人: resident ID number (GB 11643)
    ENTERPRISE = "enterprise", _("Enterprise or organisation")  # 法人和非法人组织: GB 32100 credit code


class Measure(models.TextChoices):
    # Rewards of the red list (守信激励).
    TOLERATE_MISSING = "tolerate_missing", _("Acceptance with materials to follow")  # 容缺受理
    FAST_TRACK = "fast_track", _("Priority handling (green channel)")  # 优先办理 / 绿色通道
    FEWER_CHECKS = "fewer_checks", _("Fewer inspections")  # 减少检查频次
    # Punishments of the black list (失信惩戒).
    MANUAL_REVIEW = "manual_review", _("No instant approval: manual review")  # 限制秒批 / 人工审核
    RESTRICT_LICENSING = "restrict_licensing", _("Restricted administrative licensing")  # 限制行政许可
    RESTRICT_SUBSIDY = "restrict_subsidy", _("Restricted fiscal subsidies")  # 限制财政补贴


# Which measures an entry of each list may carry: a reward never follows from the black list.
MEASURES_BY_LIST: dict[str, tuple[str, ...]] = {
    CreditList.RED: (Measure.TOLERATE_MISSING, Measure.FAST_TRACK, Measure.FEWER_CHECKS),
    CreditList.BLACK: (Measure.MANUAL_REVIEW, Measure.RESTRICT_LICENSING, Measure.RESTRICT_SUBSIDY),
}


def subject_key_digest(subject_kind: str, key: str) -> str:
    """The keyed SM3 digest a subject is looked up by. A person's uses the same context as
    ``accounts.User.id_number_digest``, so the digest of an account's ID number finds its entries."""
    context = "id_number" if subject_kind == SubjectKind.PERSON else "credit_code"
    return crypto.search_digest(key, context=context)


class CreditEntry(models.Model):
    """One subject on the red or the black list, with its measures, source and validity."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Listed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    list_kind = models.CharField(_("list"), max_length=8, choices=CreditList.choices)
    subject_kind = models.CharField(_("subject kind"), max_length=16, choices=SubjectKind.choices)
    subject_name = models.CharField(_("subject name"), max_length=NAME_MAX)
    # A person's ID number is personal data: encrypted, found by its keyed digest, shown masked.
    id_number = EncryptedTextField(_("ID number"), blank=True, default="", context="credit.creditentry.id_number")
    # An enterprise's unified social credit code is public (营业执照) and kept in clear.
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, default="")
    key_digest = models.CharField(max_length=64, editable=False)
    key_masked = models.CharField(_("subject key"), max_length=32, editable=False)
    measures = models.JSONField(_("measures"), default=list)
    measure_note = models.TextField(_("measures in detail"), blank=True, default="")
    # The department on the platform that listed the subject and answers for the entry, and the
    # authority and decision (文号) the listing rests on (e.g. a court's 失信被执行人 decision).
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="credit_entries", verbose_name=_("listing department")
    )
    authority = models.CharField(_("deciding authority"), max_length=NAME_MAX)
    document_number = models.CharField(_("decision number"), max_length=NAME_MAX)
    reason = models.TextField(_("reason for listing"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True, default="")
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # None: the platform itself (demo data, a list received from another system).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("listed by"),
    )
    created_at = models.DateTimeField(_("listed at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("credit list entry")
        verbose_name_plural = _("credit list entries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=models.F("valid_from")),
                name="credit_entry_valid_until_after_from",
            ),
            models.CheckConstraint(
                condition=models.Q(status="active", withdrawn_at__isnull=True)
                | models.Q(status="withdrawn", withdrawn_at__isnull=False),
                name="credit_entry_withdrawal_recorded",
            ),
            models.CheckConstraint(
                condition=models.Q(subject_kind="person", credit_code="")
                | (models.Q(subject_kind="enterprise", id_number="") & ~models.Q(credit_code="")),
                name="credit_entry_key_matches_kind",
            ),
            # One active listing of a subject per list, department and decision: an import or a
            # form sent twice makes no second entry.
            models.UniqueConstraint(
                fields=["list_kind", "key_digest", "department", "document_number"],
                condition=models.Q(status="active"),
                name="credit_entry_one_active_per_decision",
            ),
        ]
        indexes = [
            models.Index(fields=["key_digest", "status"], name="credit_entry_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.get_list_kind_display()} · {self.subject_name}"

    @property
    def subject_key(self) -> str:
        """The key in full: only for the entry's managers, and recorded when it is a person's."""
        return self.id_number if self.subject_kind == SubjectKind.PERSON else self.credit_code

    def in_force_on(self, day: dt.date) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.valid_from <= day
            and (self.valid_until is None or self.valid_until >= day)
        )

    def state_on(self, day: dt.date) -> str:
        """in_force, pending (not valid yet), expired or withdrawn: what the list pages show."""
        if self.status == self.Status.WITHDRAWN:
            return "withdrawn"
        if self.valid_from > day:
            return "pending"
        if self.valid_until is not None and self.valid_until < day:
            return "expired"
        return "in_force"

    @property
    def state(self) -> str:
        return self.state_on(timezone.localdate())

    def measure_labels(self) -> list[str]:
        labels = dict(Measure.choices)
        return [str(labels.get(m, m)) for m in self.measures]


class CheckResultKind(models.TextChoices):
    CLEAR = "clear", _("Not on either list")
    RED = "red", _("On the red list")
    BLACK = "black", _("On the black list")
    BOTH = "both", _("On both lists")


class CheckPurpose(models.TextChoices):
    PROCESS = "process", _("While handling an application")
    API = "api", _("Through the API")
    MANUAL = "manual", _("Look-up by a member of staff")


class CreditCheck(models.Model):
    """One check of one subject against the lists (应查必查), kept whatever the result."""

    subject_kind = models.CharField(_("subject kind"), max_length=16, choices=SubjectKind.choices)
    key_digest = models.CharField(max_length=64, editable=False)
    key_masked = models.CharField(_("subject key"), max_length=32, editable=False)
    item_code = models.CharField(_("item code"), max_length=64, blank=True, default="")
    case_number = models.CharField(_("case number"), max_length=40, blank=True, default="", db_index=True)
    purpose = models.CharField(_("purpose"), max_length=16, choices=CheckPurpose.choices)
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    # None: the platform itself (a rule during a process) or another system's API token, named
    # in actor_label ("system", "token:<prefix>").
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("checked by"),
    )
    actor_label = models.CharField(_("checked by"), max_length=150)
    result = models.CharField(_("result"), max_length=8, choices=CheckResultKind.choices)
    matched_entries = models.ManyToManyField(
        CreditEntry, blank=True, related_name="checks", verbose_name=_("entries found")
    )
    # What the check saw, frozen: [{id, list, measures, measure_note, subject_name, department,
    # authority, document_number, valid_from, valid_until}], black entries first.
    snapshot = models.JSONField(_("entries as found"), default=list)

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("credit check")
        verbose_name_plural = _("credit checks")
        indexes = [
            models.Index(fields=["key_digest", "-checked_at"], name="credit_check_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.key_masked} {self.result} @ {self.checked_at:%Y-%m-%d %H:%M}"
