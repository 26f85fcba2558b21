"""E-seals (电子印章) and e-licences (电子证照).

A department holds one or more seals; a seal has an image and SM2 keys. Only one key of a seal
signs at a time; a rotated key is retired, not deleted, so what it signed still verifies. Private
keys are SM4-GCM ciphertext under a key derived from the master key for this purpose alone, and
only dgov.licences.signing decrypts them.

A licence is issued for a holder (a person or an enterprise) under a licence type, signed with the
issuing department's seal over its canonical content (dgov.licences.canonical). Its status is
kept here; "expired" is not stored but read from the validity dates.

Every write goes through dgov.licences.services.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dgov.accounts.models import Department
from dgov.core.fields import EncryptedTextField


class Seal(models.Model):
    """A department's e-seal, shaped after GB/T 38540's seal record (see docs/licences.md)."""

    class Kind(models.TextChoices):
        # GA/T-style seal kinds a government department uses for e-licences and documents.
        OFFICIAL = "01", _("Official seal")
        LICENCE = "05", _("Licence seal")
        BUSINESS = "06", _("Business seal")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    # esID: 6-digit region code + 2-digit kind + 6-digit sequence.
    code = models.CharField(_("seal code"), max_length=14, unique=True, editable=False)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="seals")
    name = models.CharField(_("seal name"), max_length=100)
    kind = models.CharField(_("seal kind"), max_length=2, choices=Kind.choices, default=Kind.LICENCE)
    image_png = models.BinaryField(_("seal picture"), editable=False)
    image_width_mm = models.PositiveSmallIntegerField(_("picture width (mm)"), default=42)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(_("reason"), max_length=200, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    made_at = models.DateTimeField(_("made at"), default=timezone.now, editable=False)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["department__code", "code"]
        verbose_name = _("e-seal")
        verbose_name_plural = _("e-seals")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def is_usable(self, at: Any = None) -> bool:
        """Whether the seal may sign now: active and inside its validity window."""
        at = at or timezone.now()
        return self.status == self.Status.ACTIVE and self.valid_from <= at < self.valid_until


class SealKey(models.Model):
    """One SM2 key pair of a seal. The current key signs; retired keys only verify."""

    seal = models.ForeignKey(Seal, on_delete=models.PROTECT, related_name="keys")
    key_id = models.CharField(_("key id"), max_length=32, unique=True, editable=False)
    # Uncompressed point 04||x||y, 130 hex digits.
    public_key = models.CharField(_("public key"), max_length=130, editable=False)
    # SM4-GCM ciphertext of the private key (purpose "seal-keys", bound to key_id). Never shown.
    private_key_enc = models.TextField(editable=False)
    algorithm = models.CharField(max_length=16, default="SM2-with-SM3", editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["seal", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["seal"], condition=models.Q(retired_at__isnull=True), name="licences_one_current_key"
            )
        ]

    def __str__(self) -> str:
        return self.key_id

    @property
    def is_current(self) -> bool:
        return self.retired_at is None


class SealSequence(models.Model):
    """The last seal sequence number used for a region and seal kind."""

    prefix = models.CharField(max_length=8, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix} {self.last}"


class LicenceType(models.Model):
    """A kind of licence (证照类型) and what its face carries (照面信息)."""

    class Holder(models.TextChoices):
        PERSON = "person", _("Person")
        ENTERPRISE = "enterprise", _("Enterprise")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    # GB/T 36904 licence type code: the defining department's credit code + a 3-digit number.
    definer_credit_code = models.CharField(_("defining department's credit code"), max_length=18)
    type_number = models.CharField(_("type number"), max_length=3)
    issuer = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="licence_types", verbose_name=_("issuing department")
    )
    holder_kind = models.CharField(_("holder"), max_length=16, choices=Holder.choices, default=Holder.ENTERPRISE)
    # JSON Schema of the face: {"type": "object", "properties": {key: {"type": "string", "title": …,
    # "maxLength": …, "x-source": "form.<field>" | "holder.name" | "case.number" | "item.name"}},
    # "required": [...], "x-order": [...]}.
    face_schema = models.JSONField(_("face fields"), default=dict)
    # 0 = long-term (长期).
    validity_years = models.PositiveSmallIntegerField(_("validity (years, 0 = long-term)"), default=5)
    # Rendering template: the printed title and a note printed under the face fields.
    print_title = models.CharField(_("printed title"), max_length=100, blank=True)
    print_note = models.CharField(_("printed note"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("licence type")
        verbose_name_plural = _("licence types")
        constraints = [
            models.UniqueConstraint(fields=["definer_credit_code", "type_number"], name="licences_type_code_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def type_code(self) -> str:
        """The 21-character type part of the identifier."""
        return f"{self.definer_credit_code}{self.type_number}"

    def face_order(self) -> list[str]:
        props = (self.face_schema or {}).get("properties") or {}
        order = [k for k in (self.face_schema or {}).get("x-order") or [] if k in props]
        return order + [k for k in props if k not in order]

    def face_label(self, key: str, language: str = "zh-hans") -> str:
        spec = ((self.face_schema or {}).get("properties") or {}).get(key) or {}
        if language.startswith("en") and spec.get("x-title-en"):
            return str(spec["x-title-en"])
        return str(spec.get("title") or key)


class Licence(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")
        CANCELLED = "cancelled", _("Cancelled")

    identifier = models.CharField(_("licence identifier"), max_length=128, unique=True, editable=False)
    type = models.ForeignKey(LicenceType, on_delete=models.PROTECT, related_name="licences", verbose_name=_("type"))
    serial = models.CharField(_("serial"), max_length=40, editable=False)
    version = models.PositiveSmallIntegerField(_("version"), default=1, editable=False)
    issuer = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="licences")
    seal_key = models.ForeignKey(SealKey, on_delete=models.PROTECT, related_name="licences", editable=False)
    holder_kind = models.CharField(_("holder kind"), max_length=16, choices=LicenceType.Holder.choices)
    holder_name = models.CharField(_("holder"), max_length=100)
    # The ID number or credit code in full (encrypted) and as printed and signed (masked for persons).
    holder_id = EncryptedTextField(_("holder ID"), context="licences.licence.holder_id")
    holder_id_digest = models.CharField(max_length=64, db_index=True, editable=False)
    holder_id_shown = models.CharField(_("holder ID as printed"), max_length=32)
    holder_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="licences"
    )
    face = models.JSONField(_("face fields"), default=dict)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    case = models.OneToOneField(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="licence", editable=False
    )
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next", editable=False
    )
    signature = models.CharField(max_length=160, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.VALID)
    status_reason = models.CharField(_("reason"), max_length=200, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("e-licence")
        verbose_name_plural = _("e-licences")
        constraints = [
            models.UniqueConstraint(fields=["type", "serial", "version"], name="licences_serial_version"),
        ]
        indexes = [models.Index(fields=["holder_user", "-issued_at"], name="licences_holder_user")]

    def __str__(self) -> str:
        return self.identifier

    def is_expired(self, today: date | None = None) -> bool:
        if self.valid_until is None:
            return False
        from dgov.core.workdays import local_date

        return (today or local_date(timezone.now())) > self.valid_until

    @property
    def effective_status(self) -> str:
        """valid / expired / suspended / revoked / cancelled, as the verifier reports it."""
        if self.status == self.Status.VALID and self.is_expired():
            return "expired"
        return str(self.status)


class LicenceSequence(models.Model):
    """The last serial used for a licence type, issuer and year."""

    prefix = models.CharField(max_length=64, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix} {self.last}"


class LicenceUse(models.Model):
    """One use of a licence (用证): presented in a case, or looked up by staff for a case."""

    class Kind(models.TextChoices):
        CASE = "case", _("Presented in an application")
        LOOKUP = "lookup", _("Looked up by staff")

    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="uses")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="licence_uses")
    item_material = models.ForeignKey(
        "catalog.ItemMaterial", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    used_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "item_material"],
                condition=models.Q(kind="case"),
                name="licences_one_licence_per_material",
            )
        ]
        # Indicator 19 looks for the uses in a period.
        indexes = [models.Index(fields=["kind", "at"], name="licences_use_kind_at")]

    def __str__(self) -> str:
        return f"{self.licence_id} {self.kind} {self.case_id}"


class LicenceShare(models.Model):
    """A link the holder made to show a licence to someone without an account."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="shares")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"share {self.pk} of {self.licence_id}"
