"""Notices to people (站内消息) and the record of each SMS or email sent for one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

URL_MAX_LENGTH = 500


def is_local_path(url: str) -> bool:
    """A path on this site ("/cases/12/"), never another host: "//evil.example" and "/\\evil" are refused."""
    return (
        url.startswith("/")
        and not url.startswith("//")
        and "\\" not in url
        and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
    )


class Notice(models.Model):
    """One message to one person, shown in their notice list; SMS and email copies are Deliveries."""

    class Kind(models.TextChoices):
        CASE_UPDATE = "case_update", _("Case update")
        TASK_ASSIGNED = "task_assigned", _("Task assigned")
        REMINDER = "reminder", _("Reminder")
        SUPERVISION = "supervision", _("Supervision")
        SYSTEM = "system", _("System")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.SYSTEM)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    # A path on this site the notice leads to; never an absolute URL (see is_local_path).
    url = models.CharField(_("link"), max_length=URL_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = pgettext_lazy("message", "notice")
        verbose_name_plural = pgettext_lazy("message", "notices")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notices_recipient_unread")]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def local_url(self) -> str:
        """The link if it is a path on this site, else ""."""
        return self.url if self.url and is_local_path(self.url) else ""


class Delivery(models.Model):
    """One attempt to send a notice by SMS or email. The address is stored masked, never in full."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="deliveries", verbose_name=pgettext_lazy("message", "notice")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    address = models.CharField(_("address (masked)"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.address} {self.get_status_display()}"
