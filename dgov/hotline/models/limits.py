"""Time limits per ticket type and urgency."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dgov.hotline.models.tickets import Ticket


class TimeLimit(models.Model):
    """The time limits of a ticket type and urgency, in working days: for signing for it and for
    the reply, both counted from dispatch. 0 means by the end of the same day. A missing row falls
    back to dgov.hotline.deadlines.DEFAULT_LIMITS."""

    type = models.CharField(_("type"), max_length=16, choices=Ticket.Type.choices)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Ticket.Urgency.choices)
    sign_days = models.PositiveSmallIntegerField(_("sign for within (working days)"))
    reply_days = models.PositiveSmallIntegerField(_("reply within (working days)"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["type", "urgency"]
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        constraints = [
            models.UniqueConstraint(fields=["type", "urgency"], name="hotline_time_limit_once"),
            models.CheckConstraint(
                condition=models.Q(sign_days__lte=models.F("reply_days")), name="hotline_sign_before_reply"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type}/{self.urgency}: {self.sign_days}/{self.reply_days}"
