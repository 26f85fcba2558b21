"""The knowledge base (知识库) operators answer from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dgov.accounts.models import Department
from dgov.hotline.models.catalogue import Category


class Article(models.Model):
    """A knowledge-base answer (知识库) an operator reads out while on the call."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    title = models.CharField(_("question"), max_length=200)
    answer = models.TextField(_("answer"))
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="articles", verbose_name=_("category")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("answering department")
    )
    basis = models.CharField(_("policy basis"), max_length=300, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    # jieba tokens of the title+keywords and of the answer, space-joined with spaces around
    # (" 社保 转移 "), written by the service on every save: search is token matching.
    title_tokens = models.TextField(blank=True, default="", editable=False)
    body_tokens = models.TextField(blank=True, default="", editable=False)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # How many tickets were answered from it (一次办结 from the knowledge base).
    uses = models.PositiveIntegerField(_("times used"), default=0, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge base")

    def __str__(self) -> str:
        return self.title
