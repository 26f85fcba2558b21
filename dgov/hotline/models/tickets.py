"""Tickets and the trail of their closed loop."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dgov.accounts.models import ApiToken, Department, Region
from dgov.core.fields import EncryptedTextField
from dgov.core.masking import mask_name, mask_phone
from dgov.hotline.models.catalogue import Category
from dgov.hotline.models.knowledge import Article

TITLE_MAX = 100
# Long enough for a detailed letter to the message board; longer text is refused, not cut.
DESCRIPTION_MAX = 20_000
REPLY_MAX = 5_000
ADDRESS_MAX = 200


class TicketNumberSequence(models.Model):
    """The last ticket sequence number used for a region and a day (dgov.hotline.numbering)."""

    region_code = models.CharField(max_length=12)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region_code", "day"], name="hotline_sequence_region_day")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.day} {self.last}"


class Ticket(models.Model):
    """One request to the hotline (工单) and its whole life."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone (operator)")
        SITE = "site", _("Website")
        MOBILE = "mobile", _("Mobile")
        BOARD = "board", _("Message board")
        PARTNER = "partner", _("Partner system")
        OPEN311 = "open311", _("Open311")

    class Type(models.TextChoices):
        CONSULT = "consult", _("Enquiry")  # 咨询
        HELP = "help", _("Request for help")  # 求助
        COMPLAINT = "complaint", _("Complaint")  # 投诉
        REPORT = "report", pgettext_lazy("ticket type", "Report")  # 举报
        SUGGESTION = "suggestion", _("Suggestion")  # 建议
        PRAISE = "praise", _("Praise")  # 表扬

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        URGENT = "urgent", _("Urgent")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Awaiting dispatch")  # 待派单
        DISPATCHED = "dispatched", _("Awaiting sign-for")  # 待签收
        RETURNED = "returned", _("Returned, awaiting review")  # 退单待审
        HANDLING = "handling", _("Being handled")  # 办理中
        REPLIED = "replied", _("Replied, awaiting callback")  # 已答复待回访
        CLOSED = "closed", _("Closed")  # 办结
        MERGED = "merged", _("Merged into another ticket")  # 已并单

    class Resolution(models.TextChoices):
        NONE = "", _("Not closed")
        FIRST_CONTACT = "first_contact", _("Resolved on first contact")  # 一次办结
        CALLBACK = "callback", _("Closed after callback")
        NO_CALLBACK = "no_callback", _("Closed without callback")
        AUTO = "auto", _("Closed automatically, not rated")
        MERGED = "merged", _("Answered with the ticket it was merged into")

    OPEN_STATUSES = (Status.REGISTERED, Status.DISPATCHED, Status.RETURNED, Status.HANDLING)
    # Statuses in which a department holds the ticket and its handling clock runs.
    WITH_DEPARTMENT = (Status.DISPATCHED, Status.HANDLING)

    number = models.CharField(_("ticket number"), max_length=32, unique=True)
    # Public follow-up: number + this code, stored encrypted.
    lookup_code = EncryptedTextField(blank=True, default="", editable=False, context="hotline.ticket.lookup_code")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"))

    # The caller (诉求人): optional; encrypted at rest, masked on every page but the caller's own.
    anonymous = models.BooleanField(_("anonymous"), default=False)
    caller_name = EncryptedTextField(_("caller's name"), blank=True, default="", context="hotline.ticket.caller_name")
    caller_phone = EncryptedTextField(
        _("caller's phone"), blank=True, default="", context="hotline.ticket.caller_phone"
    )
    caller_phone_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # The signed-in person who filed it on the site or phone, or the account the callback rates with.
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("caller's account"),
    )
    # 保密: the handling department never sees who called.
    confidential = models.BooleanField(_("keep the caller confidential"), default=False)
    # 留言板: the caller agrees that the message and its reply be published (without their name).
    publish_consent = models.BooleanField(_("may be published on the message board"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    address = models.CharField(_("address"), max_length=ADDRESS_MAX, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # The place resolved from the address or coordinates: a community, else a subdistrict.
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("place")
    )

    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("category")
    )
    # What the classifier suggested when the ticket was registered, kept so the model can learn
    # from the final choice.
    suggested_category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    suggested_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    suggestion_confidence = models.FloatField(null=True, blank=True, editable=False)
    classifier_version = models.CharField(max_length=40, blank=True, editable=False)
    auto_dispatched = models.BooleanField(_("dispatched automatically"), default=False, editable=False)

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REGISTERED)
    resolution = models.CharField(
        _("how it was closed"), max_length=16, choices=Resolution.choices, default=Resolution.NONE, blank=True
    )
    # The lead (主办) department; assisting ones (协办) are Assignment rows with role assist.
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("handling department"),
    )
    # Time limits on the working-day clock: for signing for it, and for the reply.
    sign_due_at = models.DateTimeField(_("sign for by"), null=True, blank=True)
    due_at = models.DateTimeField(_("reply by"), null=True, blank=True)
    # How far up the escalation ladder the current deadlines have gone (0 none, 1 reminder,
    # 2 supervision, 3 report; signing for has the reminder only). Set back to 0 whenever the
    # deadline moves (dispatch, extension, reopening); the sweep raises it with a conditional
    # UPDATE, so it finds the tickets still to escalate with one indexed range scan.
    sign_rung = models.PositiveSmallIntegerField(default=0, editable=False)
    reply_rung = models.PositiveSmallIntegerField(default=0, editable=False)
    reply = models.TextField(_("reply"), blank=True)
    answered_from = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("answered from the knowledge base"),
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged", verbose_name=_("merged into")
    )
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # jieba tokens of the title and the start of the description, space-joined: duplicate
    # detection compares these without segmenting every candidate again.
    topic_tokens = models.TextField(blank=True, default="", editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    via_token = models.ForeignKey(ApiToken, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Open311: the client's own id for the request, and the token a POST answers with.
    external_id = models.CharField(max_length=64, blank=True)
    open311_token = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # Late tickets (lists, the plain count) and the sweep's "not yet escalated this far".
            models.Index(fields=["status", "due_at"], name="hotline_ticket_due"),
            # The sweep's "late and not yet escalated this far": partial, so the planner sees how
            # few rows qualify (lateness and rung are correlated, which column statistics miss).
            models.Index(
                fields=["sign_due_at"],
                condition=models.Q(status="dispatched", sign_rung=0),
                name="hotline_ticket_sign_late",
            ),
            models.Index(
                fields=["due_at", "reply_rung"],
                condition=models.Q(status__in=["dispatched", "handling"], reply_rung__lt=3),
                name="hotline_ticket_reply_late",
            ),
            models.Index(fields=["department", "status", "due_at"], name="hotline_ticket_queue"),
            # Duplicate detection: open tickets of a category about a place.
            models.Index(fields=["category", "region", "status"], name="hotline_ticket_place"),
            models.Index(fields=["caller", "-created_at"], name="hotline_ticket_caller"),
            models.Index(fields=["created_at"], name="hotline_ticket_created"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def rating_reference(self) -> tuple[str, str]:
        """What a rating of this ticket points to on the rectification page: number and staff page."""
        from django.urls import reverse

        return self.number, reverse("hotline:ticket", args=[self.pk])

    @property
    def caller_name_masked(self) -> str:
        return mask_name(self.caller_name)

    @property
    def caller_phone_masked(self) -> str:
        return mask_phone(self.caller_phone)


class Assignment(models.Model):
    """A department's part in a ticket: the lead (主办) or an assisting one (协办). A re-dispatch
    ends the lead assignment and starts another."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        ASSIST = "assist", _("Assisting")

    class State(models.TextChoices):
        DISPATCHED = "dispatched", _("Awaiting sign-for")
        SIGNED = "signed", _("Signed for")
        REPLIED = "replied", _("Replied")
        RETURNED = "returned", _("Returned")
        ENDED = "ended", _("Ended")

    OPEN_STATES = (State.DISPATCHED, State.SIGNED)

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DISPATCHED)
    dispatched_at = models.DateTimeField(default=timezone.now)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # An assisting department's contribution, or the lead's reply.
    reply = models.TextField(blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["dispatched_at", "id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(role="lead", state__in=["dispatched", "signed"]),
                name="hotline_one_open_lead",
            ),
            models.UniqueConstraint(
                fields=["ticket", "department"],
                condition=models.Q(state__in=["dispatched", "signed"]),
                name="hotline_one_open_assignment_per_department",
            ),
        ]
        indexes = [models.Index(fields=["department", "state"], name="hotline_assignment_queue")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.role} {self.department_id} {self.state}"


class Extension(models.Model):
    """A request to extend the reply deadline (延期), approved or refused by the hotline centre."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("working days more"))
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    # The deadline when it was asked for, and the new one if approved.
    due_before = models.DateTimeField()
    due_after = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=models.Q(state="pending"), name="hotline_one_pending_extension"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} +{self.days} {self.state}"


class Callback(models.Model):
    """The hotline's call back to the caller (回访) after the reply."""

    class Outcome(models.TextChoices):
        SOLVED = "solved", _("Solved")
        UNSOLVED = "unsolved", _("Not solved")
        UNREACHABLE = "unreachable", _("Could not be reached")
        DECLINED = "declined", _("Declined to answer")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="callbacks")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)
    # The 好差评 rating given on the call (ratings.Rating of this ticket), when the caller rated.
    rating = models.ForeignKey("ratings.Rating", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reopened = models.BooleanField(_("reopened the ticket"), default=False)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.outcome}"


class TicketEvent(models.Model):
    """One line of a ticket's timeline: what happened, who did it, for which department."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        CLASSIFIED = "classified", _("Category suggested")
        RESOLVED_FIRST_CONTACT = "first_contact", _("Answered on the call")
        DISPATCHED = "dispatched", _("Dispatched")
        SIGNED = "signed", _("Signed for")
        RETURNED = "returned", _("Returned")
        RETURN_REFUSED = "return_refused", _("Return refused")
        REDISPATCHED = "redispatched", _("Dispatched again")
        EXTENSION_REQUESTED = "extension_requested", _("Extension asked for")
        EXTENSION_APPROVED = "extension_approved", _("Extension approved")
        EXTENSION_REFUSED = "extension_refused", _("Extension refused")
        ASSIST_REPLIED = "assist_replied", _("Assisting department replied")
        REPLIED = "replied", _("Replied")
        CALLBACK = "callback", _("Called back")
        REOPENED = "reopened", _("Reopened")
        CLOSED = "closed", _("Closed")
        MERGED = "merged", _("Merged")
        PUBLISHED = "published", _("Published on the message board")
        REMINDED = "reminded", _("Reminder sent")
        SUPERVISED = "supervised", _("Supervised (督办)")
        REPORTED = "reported", _("Reported (通报)")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class TicketEscalation(models.Model):
    """One rung of the escalation ladder taken for a late ticket: reminder, supervision (督办),
    report (通报). At most one per ticket, level and missed deadline, so a sweep run twice
    escalates once; a deadline moved by an extension can be escalated again."""

    class Level(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        SUPERVISION = "supervision", _("Supervision")
        REPORT = "report", pgettext_lazy("escalation", "Report")  # 通报

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    # Which clock was missed: signing for it, or the reply.
    stage = models.CharField(_("stage"), max_length=8, choices=[("sign", _("Sign-for")), ("reply", _("Reply"))])
    due_at = models.DateTimeField(_("missed deadline"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    notified = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket escalation")
        verbose_name_plural = _("ticket escalations")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "level", "stage", "due_at"], name="hotline_escalation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.level} {self.stage}"
