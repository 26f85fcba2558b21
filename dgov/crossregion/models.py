"""跨域通办: peers, this platform's exchange key, the peers' items, handovers and the message log.

Two sides of one exchange, both kept by every instance:

- the **receiving side** (异地代收) keeps ``Handover`` rows — what its clerk took in for an item
  of another region — and sends them; status messages coming back update them;
- the **handling side** keeps an ``InboundMessage`` per message it received (deduplicated per peer
  and message id, with the response it gave, so a replay gets the same answer) and a
  ``StatusReport`` outbox of the progress it owes the receiving region.

Every write goes through dgov.crossregion.services.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dgov.accounts.models import Department, Region
from dgov.core.fields import EncryptedTextField

SM2_ALGORITHM = "SM2-with-SM3"


class Peer(models.Model):
    """Another region's platform this one exchanges cases with (it may run this same code)."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    # The root of the peer's JSON API, e.g. https://zwfw.pengjiang.example/api/v1 (no trailing slash).
    base_url = models.URLField(_("API base URL"), max_length=300)
    # The peer's exchange public key, uncompressed 04||x||y in 130 hex digits (dgov.core.crypto).
    public_key = models.CharField(_("public key"), max_length=130)
    active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["region__code"]
        verbose_name = _("peer platform")
        verbose_name_plural = _("peer platforms")

    def __str__(self) -> str:
        return f"{self.region.name} ({self.region.code})"

    def url(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"


class ExchangeKey(models.Model):
    """An SM2 key pair of this platform that signs its outbound messages. One is current; a
    rotated key is retired (kept for the record, never used again)."""

    key_id = models.CharField(_("key id"), max_length=40, unique=True, editable=False)
    public_key = models.CharField(_("public key"), max_length=130, editable=False)
    # SM4-GCM ciphertext of the private key (purpose "crossregion-keys", bound to key_id). Never shown.
    private_key_enc = models.TextField(editable=False)
    algorithm = models.CharField(max_length=16, default=SM2_ALGORITHM, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("exchange key")
        verbose_name_plural = _("exchange keys")
        constraints = [
            # ``algorithm`` is the same on every row: this makes "at most one current key".
            models.UniqueConstraint(
                fields=["algorithm"], condition=models.Q(retired_at__isnull=True), name="crossregion_one_current_key"
            )
        ]

    def __str__(self) -> str:
        return self.key_id


class RemoteItem(models.Model):
    """An item of a peer's catalogue this region may receive applications for (a copy of the
    peer's published guide: its form and its materials), refreshed by ``crossregion_sync_items``."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="items", verbose_name=_("peer platform"))
    code = models.CharField(_("item code"), max_length=64)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    department_name = models.CharField(_("department"), max_length=100)
    subject = models.CharField(_("who can apply"), max_length=16, blank=True)
    promised_days = models.PositiveSmallIntegerField(_("promised time limit (working days)"), null=True, blank=True)
    form_schema = models.JSONField(_("application form (JSON Schema)"), default=dict)
    # [{"position", "name", "requirement", "condition", "source", "upload", "required"}] in guide order.
    materials = models.JSONField(_("materials"), default=list)
    # False once the peer no longer offers it (withdrawn, or closed to handover).
    active = models.BooleanField(_("active"), default=True)
    synced_at = models.DateTimeField(_("synchronised at"), default=timezone.now)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["peer", "code"]
        verbose_name = _("remote item")
        verbose_name_plural = _("remote items")
        constraints = [models.UniqueConstraint(fields=["peer", "code"], name="crossregion_remote_item_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def upload_materials(self) -> list[dict[str, Any]]:
        return [m for m in self.materials if m.get("upload")]


class Handover(models.Model):
    """An application received here for another region's item, and its way through that region."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent, awaiting an answer")
        ACCEPTED_REMOTE = "accepted_remote", _("Registered by the handling region")
        CONCLUDED = "concluded", _("Concluded")
        FAILED = "failed", _("Failed")

    class Result(models.TextChoices):
        NONE = "", _("None yet")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        REFUSED = "refused", _("Not accepted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Failure(models.TextChoices):
        NONE = "", _("None")
        # The handling side answered no and created nothing: a retry goes out under a new id.
        REFUSED = "refused", _("Refused by the handling region")
        # No answer after every attempt: a retry keeps the id, the peer may have the case already.
        UNDELIVERABLE = "undeliverable", _("Could not be delivered")

    SENDABLE_STATES = (State.QUEUED, State.SENT)

    # The message id of the handover; the handling side's idempotency key for its case.
    message_id = models.UUIDField(_("message id"), unique=True, default=uuid.uuid4, editable=False)
    receipt_number = models.CharField(_("receipt number"), max_length=32, unique=True)
    # Six digits on the receipt, for the public look-up with the receipt number.
    lookup_code = EncryptedTextField(editable=False, context="crossregion.handover.lookup_code")

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="handovers", verbose_name=_("handled by"))
    remote_item = models.ForeignKey(RemoteItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    item_code = models.CharField(_("item code"), max_length=64)
    item_name = models.CharField(_("item"), max_length=200)
    receiving_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("received in")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("receiving department")
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("received by")
    )
    # The applicant's account on this platform (found by ID number or registered at the counter): notices go there.
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="crossregion_handovers",
        verbose_name=_("applicant"),
    )
    # Snapshot of who applied, as handed over (personal data encrypted at rest).
    applicant_name = models.CharField(_("applicant name"), max_length=64)
    applicant_id_number = EncryptedTextField(_("ID number"), context="crossregion.handover.applicant_id_number")
    applicant_phone = EncryptedTextField(_("mobile phone"), context="crossregion.handover.applicant_phone")
    form_json = EncryptedTextField(_("form data"), blank=True, default="", context="crossregion.handover.form")

    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.QUEUED)
    remote_case_number = models.CharField(_("case number in the handling region"), max_length=40, blank=True)
    remote_lookup_code = EncryptedTextField(blank=True, default="", context="crossregion.handover.remote_lookup_code")
    # The case's status as the handling region last reported it (its Case.Status value).
    remote_status = models.CharField(_("status in the handling region"), max_length=16, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, default=Result.NONE, blank=True)
    licence_identifier = models.CharField(_("licence identifier"), max_length=128, blank=True)
    # A double click at the counter makes one handover (per clerk).
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    failure = models.CharField(_("failure"), max_length=16, choices=Failure.choices, default=Failure.NONE, blank=True)
    failure_reason = models.TextField(_("reason for the failure"), blank=True)
    # The highest status sequence applied: an older status arriving late changes nothing.
    status_seq = models.PositiveIntegerField(default=0, editable=False)

    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        constraints = [
            models.UniqueConstraint(
                fields=["clerk", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="crossregion_one_handover_per_key",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="crossregion_handover_due"),
            models.Index(fields=["department", "-created_at"], name="crossregion_handover_dept"),
        ]

    def __str__(self) -> str:
        return self.receipt_number

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
    def state_label(self) -> str:
        if self.state == self.State.CONCLUDED and self.result:
            return f"{self.get_state_display()}（{self.get_result_display()}）"
        return str(self.get_state_display())


def _file_path(instance: HandoverFile, filename: str) -> str:
    # The stored name never comes from the upload: services pass a random one.
    return f"crossregion/{timezone.now():%Y/%m}/{filename}"


class HandoverFile(models.Model):
    """A scanned material taken in at the counter, sent with the handover."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="files")
    # The material's position in the peer's guide (the protocol names materials by position).
    position = models.PositiveSmallIntegerField(_("material"))
    material_name = models.CharField(_("material"), max_length=200)
    file = models.FileField(upload_to=_file_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=64)
    size = models.PositiveIntegerField(_("size"))
    sm3 = models.CharField(_("SM3 digest"), max_length=64)

    class Meta:
        ordering = ["handover", "position", "id"]
        verbose_name = _("handover file")
        verbose_name_plural = _("handover files")

    def __str__(self) -> str:
        return self.original_name


class HandoverEvent(models.Model):
    """A line of the handover's history, as the clerk reads it."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received at the counter")
        ATTEMPT_FAILED = "attempt_failed", _("Delivery attempt failed")
        REGISTERED = "registered", _("Registered by the handling region")
        REFUSED = "refused", _("Refused by the handling region")
        GAVE_UP = "gave_up", _("Delivery given up")
        RETRIED = "retried", _("Sent again")
        ACCEPTED = "accepted", _("Accepted")
        CORRECTION_REQUESTED = "correction_requested", _("Corrections requested")
        CORRECTED = "corrected", _("Corrected materials received")
        CONCLUDED = "concluded", _("Concluded")
        LICENCE_ISSUED = "licence_issued", _("E-licence issued")

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=32, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("handover event")
        verbose_name_plural = _("handover events")

    def __str__(self) -> str:
        return f"{self.handover_id} {self.kind}"


class ReceiptSequence(models.Model):
    """The last receipt sequence number used for a region and a day (see dgov.crossregion.numbering)."""

    region_code = models.CharField(max_length=12)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region_code", "day"], name="crossregion_receipt_region_day")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.day} {self.last}"


class MessageKind(models.TextChoices):
    HANDOVER = "handover", _("Handover")
    STATUS = "status", _("Status")


class InboundMessage(models.Model):
    """A message a peer sent here, with the answer given: one row per peer and message id."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="inbound")
    message_id = models.UUIDField(_("message id"))
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    # SM3 over the canonical JSON of kind, from, to and body (not sent_at, which each retry renews).
    digest = models.CharField(_("SM3 digest"), max_length=64)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"))
    # The answer's JSON, encrypted: a handover's answer carries the case's look-up code.
    response_json = EncryptedTextField(context="crossregion.inboundmessage.response")
    # A handover: the case it created here. A status: the handover it updated here.
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    handover = models.ForeignKey(Handover, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        constraints = [
            models.UniqueConstraint(fields=["peer", "message_id"], name="crossregion_inbound_once_per_peer"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id}"

    @property
    def response(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.response_json) if self.response_json else {}
        return data

    @response.setter
    def response(self, value: dict[str, Any]) -> None:
        self.response_json = json.dumps(value, ensure_ascii=False, sort_keys=True)


class StatusReport(models.Model):
    """Outbox of the handling side: one status message owed to the receiving region."""

    class Event(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        CORRECTION_REQUESTED = "correction_requested", _("Corrections requested")
        CORRECTED = "corrected", _("Corrected materials received")
        CONCLUDED = "concluded", _("Concluded")
        LICENCE_ISSUED = "licence_issued", _("E-licence issued")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    message_id = models.UUIDField(_("message id"), unique=True, default=uuid.uuid4, editable=False)
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="status_reports")
    # The handover message that created the case.
    inbound = models.ForeignKey(InboundMessage, on_delete=models.PROTECT, related_name="status_reports")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    # 1, 2, 3 … per handover: the receiving side applies only a higher number than it has.
    seq = models.PositiveIntegerField()
    event = models.CharField(_("event"), max_length=32, choices=Event.choices)
    # The message body, fixed when the event happened (a retry sends the same body).
    body = models.JSONField(default=dict)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("status report")
        verbose_name_plural = _("status reports")
        constraints = [models.UniqueConstraint(fields=["inbound", "seq"], name="crossregion_status_seq")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="crossregion_status_due")]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.seq} {self.event}"
