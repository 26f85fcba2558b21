"""The request category tree and the dispatch catalogue (派单目录)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dgov.accounts.models import Department, Region


class Category(models.Model):
    """A node of the request category tree: a 6-digit code, two digits per level (2+2+2, in the
    spirit of GB/T 39666): ``110000`` a top class, ``110200`` a class, ``110203`` a leaf. Tickets
    are filed under leaves; a leaf names the department responsible for it, and whether the
    subdistrict (街道) of the place handles it instead (``by_subdistrict``)."""

    code = models.CharField(_("code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    level = models.PositiveSmallIntegerField(_("level"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible department"),
    )
    by_subdistrict = models.BooleanField(
        _("handled by the subdistrict"),
        default=False,
        help_text=_("When the place is known, the subdistrict office of the place handles it."),
    )
    # Words that make the category easy to find in the operator's picker (not used by the model).
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=3), name="hotline_category_level"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        return self.name_en if self.name_en and (get_language() or "").startswith("en") else self.name

    @property
    def is_leaf(self) -> bool:
        return self.level == 3


class DispatchRule(models.Model):
    """One line of the dispatch catalogue (派单目录): tickets of a leaf category about a place go to
    a department. The most specific place wins (community, then subdistrict, then anywhere)."""

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="dispatch_rules", verbose_name=_("category")
    )
    # None: anywhere in the district.
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("place")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("handling department")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["category__code", "region__code"]
        verbose_name = _("dispatch rule")
        verbose_name_plural = _("dispatch catalogue")
        constraints = [
            models.UniqueConstraint(
                fields=["category"], condition=models.Q(region__isnull=True), name="hotline_rule_one_default"
            ),
            models.UniqueConstraint(
                fields=["category", "region"],
                condition=models.Q(region__isnull=False),
                name="hotline_rule_one_per_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category.code} @ {self.region or '*'} -> {self.department}"
