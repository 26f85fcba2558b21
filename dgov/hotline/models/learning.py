"""Trained ticket classifiers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ClassifierModel(models.Model):
    """A trained ticket classifier (jieba + scikit-learn), kept in the database so every web
    process loads the same one; the newest active row is used."""

    version = models.CharField(max_length=40, unique=True)
    # The fitted pipeline, serialised; its SM3 HMAC is checked before it is loaded.
    blob = models.BinaryField()
    digest = models.CharField(max_length=64)
    # Where the training data came from, sizes, and the held-out metrics (accuracy, per category
    # precision/recall/support).
    metrics = models.JSONField(default=dict)
    trained_at = models.DateTimeField(default=timezone.now)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-trained_at", "-id"]
        verbose_name = _("ticket classifier")
        verbose_name_plural = _("ticket classifiers")

    def __str__(self) -> str:
        return self.version
