"""好差评: five-level ratings of a service, and the rectification loop a bad rating opens.

A rating rates one served thing through a generic relation (content type + id), so hotline
tickets and grid events can be rated later with the same tables; cases and hotline tickets are rated today.
It also records the department and the item it is counted under in the statistics, how it was
given (site, kiosk, the window's tablet, the SMS link) and whether the rater is real-name.

Levels follow the national 好差评 scale (国办发〔2019〕51号 《关于建立政务服务“好差评”制度提高政务
服务水平的意见》): 非常满意 5, 满意 4, 基本满意 3, 不满意 2, 非常不满意 1. Levels 3–5 are "good"
(non-bad); 1 and 2 are bad and open a :class:`Rectification` in the owning department.

Every write goes through dgov.ratings.services.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dgov.accounts.models import Department
from dgov.catalog.models import ServiceItem
from dgov.core.fields import EncryptedTextField

COMMENT_MAX = 500
TEXT_MAX = 2000


class Level(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied")  # 非常满意
    SATISFIED = 4, _("Satisfied")  # 满意
    FAIRLY_SATISFIED = 3, _("Fairly satisfied")  # 基本满意
    DISSATISFIED = 2, _("Dissatisfied")  # 不满意
    VERY_DISSATISFIED = 1, _("Very dissatisfied")  # 非常不满意


# Levels that count as good (non-bad) in the score; the others are bad ratings (差评).
GOOD_LEVELS = (Level.VERY_SATISFIED, Level.SATISFIED, Level.FAIRLY_SATISFIED)
BAD_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)
# Faces from Unicode 6 (shown by older phones too), always next to the level's words.
FACES = {5: "😀", 4: "😊", 3: "😐", 2: "😟", 1: "😞"}


class Channel(models.TextChoices):
    """Where the rating was given (评价渠道)."""

    SITE = "site", _("Website")
    KIOSK = "kiosk", _("Self-service kiosk")
    WINDOW_PAD = "window_pad", _("Tablet at the window")
    SMS = "sms", _("SMS link")
    PHONE = "phone", _("Phone callback")


class ServiceChannel(models.TextChoices):
    """How the rated service was delivered; it decides which dimensions are asked."""

    ONLINE = "online", _("Online service")
    WINDOW = "window", _("Service at the window")
    HOTLINE = "hotline", _("12345 hotline")


class Dimension(models.TextChoices):
    OVERALL = "overall", _("Overall")  # 总体评价
    EFFICIENCY = "efficiency", _("Efficiency")  # 办事效率
    GUIDE_ACCURACY = "guide_accuracy", _("Accuracy of the guide")  # 指南准确性
    CONVENIENCE = "convenience", _("Convenience")  # 便捷程度
    USABILITY = "usability", _("Ease of use of the system")  # 系统好用
    COMPETENCE = "competence", _("Staff competence")  # 业务能力
    ATTITUDE = "attitude", _("Service attitude")  # 服务态度


# The national dimensions per service channel; "overall" is the rating's level itself.
DIMENSIONS: dict[str, tuple[str, ...]] = {
    ServiceChannel.ONLINE: (
        Dimension.OVERALL,
        Dimension.EFFICIENCY,
        Dimension.GUIDE_ACCURACY,
        Dimension.CONVENIENCE,
        Dimension.USABILITY,
    ),
    ServiceChannel.WINDOW: (Dimension.OVERALL, Dimension.EFFICIENCY, Dimension.COMPETENCE, Dimension.ATTITUDE),
    # A hotline ticket, rated on the callback (回访): was it handled fast, well and politely.
    ServiceChannel.HOTLINE: (Dimension.OVERALL, Dimension.EFFICIENCY, Dimension.COMPETENCE, Dimension.ATTITUDE),
}


class Tag(models.TextChoices):
    # What went well.
    FAST = "fast", _("Quick to get done")  # 办事快
    FRIENDLY = "friendly", _("Friendly staff")  # 态度好
    CLEAR_GUIDE = "clear_guide", _("Clear guide")  # 指南清楚
    ONE_VISIT = "one_visit", _("Done in one go")  # 一次办成
    EASY_ONLINE = "easy_online", _("Easy to do online")  # 网上好办
    # What went wrong.
    MANY_VISITS = "many_visits", _("Had to come several times")  # 多次跑动
    MATERIALS_REPEATED = "materials_repeated", _("Asked for materials again and again")  # 材料反复要求
    LONG_WAIT = "long_wait", _("Long wait")  # 等待时间长
    POOR_ATTITUDE = "poor_attitude", _("Unfriendly staff")  # 态度差
    HARD_TO_USE = "hard_to_use", _("System hard to use")  # 系统难用


GOOD_TAGS = (Tag.FAST, Tag.FRIENDLY, Tag.CLEAR_GUIDE, Tag.ONE_VISIT, Tag.EASY_ONLINE)
BAD_TAGS = (Tag.MANY_VISITS, Tag.MATERIALS_REPEATED, Tag.LONG_WAIT, Tag.POOR_ATTITUDE, Tag.HARD_TO_USE)
# The fixed tag list offered with each level: praise with the good levels, complaints with the bad
# ones, and both with 基本满意 (fairly satisfied: something went well, something did not).
TAGS_BY_LEVEL: dict[int, tuple[str, ...]] = {
    Level.VERY_SATISFIED: GOOD_TAGS,
    Level.SATISFIED: GOOD_TAGS,
    Level.FAIRLY_SATISFIED: GOOD_TAGS + BAD_TAGS,
    Level.DISSATISFIED: BAD_TAGS,
    Level.VERY_DISSATISFIED: BAD_TAGS,
}


def is_bad(level: int) -> bool:
    return level in BAD_LEVELS


class Rating(models.Model):
    """One rating of one served thing by the person it was served to (一事一评)."""

    rated_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    rated_id = models.PositiveBigIntegerField()
    rated = GenericForeignKey("rated_type", "rated_id")
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("rater")
    )
    # Real-name: the rater's account carries a verified identity (an ID number, or an enterprise's
    # credit code); a bad real-name rating must be called back before it is resolved.
    real_name = models.BooleanField(_("real-name rater"), default=False)
    # Counted under: the department that served, and the item (null for things without an item).
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("department")
    )
    item = models.ForeignKey(
        ServiceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("item")
    )
    channel = models.CharField(_("rated through"), max_length=16, choices=Channel.choices)
    service_channel = models.CharField(_("service"), max_length=16, choices=ServiceChannel.choices)
    # The clerk whose tablet the rater used (window pad), and the window the service was given at
    # (the department of that clerk, or of the clerk who entered a window case).
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("clerk"),
    )
    window_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("window"),
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    # {dimension: level} for the service channel's dimensions the rater answered; "overall" = level.
    dimensions = models.JSONField(_("dimensions"), default=dict)
    tags = models.JSONField(_("tags"), default=list)
    # Free text may name people or numbers: encrypted at rest, shown to the rater and to the
    # department's staff only.
    comment = EncryptedTextField(_("comment"), blank=True, default="", context="ratings.rating.comment")
    created_at = models.DateTimeField(_("rated at"), default=timezone.now)
    # Set only by an approved exclusion (恶意差评): the rating stays visible but is not counted.
    excluded_at = models.DateTimeField(_("excluded from statistics at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            # 一事一评: one rating per served thing and person.
            models.UniqueConstraint(fields=["rated_type", "rated_id", "rater"], name="ratings_one_per_thing_and_rater"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="ratings_level_1_to_5"),
        ]
        indexes = [
            models.Index(fields=["department", "created_at"], name="ratings_department"),
            models.Index(fields=["rater", "-created_at"], name="ratings_rater"),
            # The district's score over a period (indicator 8) reads ratings by time alone.
            models.Index(fields=["created_at"], name="ratings_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} #{self.pk}"

    @property
    def is_bad(self) -> bool:
        return is_bad(self.level)

    @property
    def is_excluded(self) -> bool:
        return self.excluded_at is not None

    @property
    def face(self) -> str:
        return FACES.get(self.level, "")

    def tag_labels(self) -> list[str]:
        labels = dict(Tag.choices)
        return [str(labels.get(t, t)) for t in self.tags]

    def dimension_rows(self) -> list[tuple[str, int, str]]:
        """(dimension label, level, level label) for the answered dimensions, in the national order."""
        labels, levels = dict(Dimension.choices), dict(Level.choices)
        order = DIMENSIONS.get(self.service_channel, ())
        return [
            (str(labels[d]), int(self.dimensions[d]), str(levels[int(self.dimensions[d])]))
            for d in order
            if d in self.dimensions
        ]


class RatingLink(models.Model):
    """A one-time link (sent by SMS with the case-concluded notice) that rates without signing in.

    Only a keyed SM3 digest of the token is stored; the link expires after 30 days and is spent by
    the rating it makes."""

    rated_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    rated_id = models.PositiveBigIntegerField()
    rated = GenericForeignKey("rated_type", "rated_id")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rating link")
        verbose_name_plural = _("rating links")

    def __str__(self) -> str:
        return f"{self.rated_type_id}:{self.rated_id} → {self.rater_id}"


class Rectification(models.Model):
    """差评整改: the closed loop a bad rating opens in the owning department.

    open → called_back (回访核实) → resolved (立行立改 / 限期整改 / 说明解释) → reported (反馈评价人)
    → closed. A real-name bad rating cannot be resolved before a call-back is recorded. The rater
    may appeal (申诉) the outcome once: the rectification opens again for a second review. The
    deadline runs in working days (see dgov.ratings.services.rectification_due_at)."""

    class State(models.TextChoices):
        OPEN = "open", _("Open: to be called back")
        CALLED_BACK = "called_back", _("Called back, to be resolved")
        RESOLVED = "resolved", _("Resolved, to be reported back")
        REPORTED = "reported", _("Reported back to the rater")
        CLOSED = "closed", pgettext_lazy("rectification", "Closed")

    class Resolution(models.TextChoices):
        FIXED_NOW = "fixed_now", _("Fixed at once")  # 立行立改
        FIXED_BY_DEADLINE = "fixed_by_deadline", _("To be fixed by a deadline")  # 限期整改
        EXPLAINED = "explained", _("Explained to the rater")  # 说明解释

    class Explanation(models.TextChoices):
        NO_LEGAL_BASIS = "no_legal_basis", _("The request has no legal basis")  # 诉求无法律依据
        UNREASONABLE = "unreasonable", _("The request is unreasonable")  # 诉求不合理

    # Before the outcome is reported back the deadline runs; after, the loop is the rater's to appeal.
    WORKING_STATES = (State.OPEN, State.CALLED_BACK, State.RESOLVED)

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="rectification")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="rectifications", verbose_name=_("department")
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    # 1 for the first review, 2 after the rater's appeal.
    review_round = models.PositiveSmallIntegerField(_("review"), default=1)
    due_at = models.DateTimeField(_("due by"))

    # 回访核实
    callback_result = models.TextField(_("call-back result"), blank=True)
    callback_verified = models.BooleanField(_("complaint verified"), null=True, blank=True)
    called_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    called_back_at = models.DateTimeField(_("called back at"), null=True, blank=True)

    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices, blank=True)
    explanation = models.CharField(_("grounds"), max_length=20, choices=Explanation.choices, blank=True)
    resolution_note = models.TextField(_("what was done"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    # The outcome as the rater reads it (also sent as a notice).
    outcome = models.TextField(_("outcome told to the rater"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported back at"), null=True, blank=True)

    # The rater's own words, like the comment: encrypted at rest.
    appeal_reason = EncryptedTextField(
        _("appeal"), blank=True, default="", context="ratings.rectification.appeal_reason"
    )
    appealed_at = models.DateTimeField(_("appealed at"), null=True, blank=True)

    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        indexes = [models.Index(fields=["department", "state", "due_at"], name="ratings_rect_dept_state")]

    def __str__(self) -> str:
        return f"{self.get_state_display()} #{self.pk}"

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Past its deadline and not yet reported back to the rater (computed on reading)."""
        return self.state in self.WORKING_STATES and (now or timezone.now()) > self.due_at

    @property
    def was_appealed(self) -> bool:
        return self.appealed_at is not None


class LedgerEntry(models.Model):
    """限期整改台账: what is to be fixed, who answers for it, by when; later marked done."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="ledger")
    review_round = models.PositiveSmallIntegerField(default=1)
    what = models.TextField(_("what is to be fixed"))
    responsible = models.CharField(_("who answers for it"), max_length=100)
    due_date = models.DateField(_("to be done by"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_note = models.TextField(_("how it was done"), blank=True)

    class Meta:
        ordering = ["rectification", "due_date", "id"]
        verbose_name = _("rectification ledger entry")
        verbose_name_plural = _("rectification ledger")

    def __str__(self) -> str:
        return f"{self.rectification_id}: {self.due_date}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class RectificationEvent(models.Model):
    """A line of a rectification's history (each round's call-back, resolution, report, appeal)."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened after a bad rating")
        CALLED_BACK = "called_back", _("Rater called back")
        RESOLVED = "resolved", pgettext_lazy("rectification", "Resolved")
        LEDGER_DONE = "ledger_done", _("Ledger entry done")
        REPORTED = "reported", _("Outcome reported to the rater")
        CLOSED = "closed", pgettext_lazy("rectification", "Closed")
        APPEALED = "appealed", _("Rater appealed; second review")
        EXCLUSION_PROPOSED = "exclusion_proposed", _("Exclusion from statistics proposed")
        EXCLUSION_APPROVED = "exclusion_approved", _("Excluded from statistics")
        EXCLUSION_REJECTED = "exclusion_rejected", _("Exclusion refused")

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    # Steps the rater reads on their rating page; internal notes (call-back, exclusion) are not.
    public = models.BooleanField(default=False)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("rectification step")
        verbose_name_plural = _("rectification steps")

    def __str__(self) -> str:
        return f"{self.rectification_id} {self.kind}"


class Exclusion(models.Model):
    """A proposal to leave a malicious rating (恶意差评) out of the statistics, and its review.

    Proposed with a reason by a member of the department's staff; approved or refused by a
    department administrator who is not the proposer. Approval sets ``Rating.excluded_at``."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Awaiting review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Refused")

    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, related_name="exclusions")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PROPOSED)
    reason = models.TextField(_("reason"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("review note"), blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("exclusion from statistics")
        verbose_name_plural = _("exclusions from statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["rating"], condition=models.Q(state="proposed"), name="ratings_one_open_exclusion"
            ),
            # Four eyes: the reviewer is never the proposer.
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True) | ~models.Q(decided_by=models.F("proposed_by")),
                name="ratings_exclusion_reviewer_not_proposer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating_id} {self.state}"
