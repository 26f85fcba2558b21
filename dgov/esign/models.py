"""免用实物印章 / 免手写签名: how an applicant signs an online application.

An enterprise's application carries the enterprise's e-seal (``EnterpriseSeal``: an SM2 key pair,
the private key SM4-encrypted, and the seal's picture): the platform signs the application
document with it at submission. A person signs by drawing a signature on the screen or by a
one-time code sent by SMS to their real-name phone (``SigningCode``). Either way the application
document (item, version, applicant, form, the materials' SM3 digests, the licences presented) is
fixed as canonical bytes, its SM3 digest stored with the signature (``ApplicationSignature``), so
anyone entitled to the case can check later that what was signed is what was submitted.

Every write goes through dgov.esign.services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dgov.core.fields import EncryptedTextField


class EnterpriseSeal(models.Model):
    """An enterprise's e-seal (企业电子印章), applied to the enterprise's online applications."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("In use")
        REVOKED = "revoked", _("Revoked")

    code = models.CharField(_("seal code"), max_length=24, unique=True, editable=False)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, db_index=True)
    enterprise_name = models.CharField(_("enterprise"), max_length=200)
    image_png = models.BinaryField(_("seal picture"), editable=False)
    public_key = models.CharField(_("public key"), max_length=130, editable=False)
    private_key_enc = models.TextField(editable=False)
    algorithm = models.CharField(max_length=16, default="SM2-with-SM3", editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(_("made at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["-made_at"]
        verbose_name = _("enterprise e-seal")
        verbose_name_plural = _("enterprise e-seals")
        constraints = [
            # An enterprise holds one seal in use; a revoked one stays for verifying what it signed.
            models.UniqueConstraint(
                fields=["credit_code"], condition=models.Q(status="active"), name="esign_one_active_seal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.enterprise_name}"


class SigningCode(models.Model):
    """A one-time code sent by SMS to sign one application (valid minutes, a few tries)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # What the code is for (the item's code), so a code sent for one application does not sign another.
    item_code = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, editable=False)
    phone_shown = models.CharField(max_length=20, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="esign_code_user_created")]

    def __str__(self) -> str:
        return f"{self.item_code} {self.phone_shown}"


class ApplicationSignature(models.Model):
    """One signature of one case's application: the enterprise's seal, a drawing or a code."""

    class Kind(models.TextChoices):
        E_SEAL = "e_seal", _("Enterprise e-seal")
        DRAWN = "drawn", _("Signature drawn on screen")
        SMS_CODE = "sms_code", _("One-time code by SMS")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="signatures")
    kind = models.CharField(_("how"), max_length=16, choices=Kind.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(_("signed by"), max_length=200)
    # The canonical application document (JSON; it holds the form, so it is encrypted) and its SM3.
    document = EncryptedTextField(context="esign.signature.document", editable=False)
    digest = models.CharField(_("SM3 digest of the application"), max_length=64, editable=False)
    seal = models.ForeignKey(EnterpriseSeal, null=True, blank=True, on_delete=models.PROTECT, related_name="signatures")
    signature = models.CharField(max_length=160, blank=True, editable=False)  # SM2 DER hex (e-seal)
    # The drawn signature as PNG (base64, encrypted) and the SM3 of its bytes.
    drawing = EncryptedTextField(blank=True, default="", context="esign.signature.drawing", editable=False)
    drawing_sm3 = models.CharField(max_length=64, blank=True, editable=False)
    code = models.ForeignKey(SigningCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    phone_shown = models.CharField(max_length=20, blank=True, editable=False)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)

    class Meta:
        ordering = ["case", "signed_at"]
        verbose_name = _("application signature")
        verbose_name_plural = _("application signatures")
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="esign_one_signature_per_kind")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"
