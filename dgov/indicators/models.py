"""The plan's 21 indicators (表1 and 附件1), their reported values and their daily snapshots.

``Indicator`` rows come from ``dgov/indicators/data/indicators.csv`` (loaded by a data migration and
by ``manage.py load_indicators``); after that, targets change only through
``dgov.indicators.services.indicator_targets_update``, audited. A computed indicator's value comes
from the provider its owning app registered (dgov.core.measures); a reported one's from the latest
``ReportedValue`` a data officer entered with its source and evidence. A ``Snapshot`` keeps one
day's value for one scope (the district, a department or a 街道) and says where it came from, so a
reported figure is never shown as a computed one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def _english() -> bool:
    return (get_language() or "").startswith("en")


class Indicator(models.Model):
    class Method(models.TextChoices):
        COMPUTED = "computed", _("Computed")
        REPORTED = "reported", _("Reported")

    class Span(models.TextChoices):
        # A state (what the catalogue offers now): the value at the end of the day.
        STATE = "state", _("State at the end of the day")
        # Activity: counted from 1 January of the day's year to the end of the day.
        YEAR = "year", _("Year to date")

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    key = models.SlugField(_("key"), max_length=64, unique=True)
    category_zh = models.CharField(_("category"), max_length=32)
    category_en = models.CharField(_("category (English)"), max_length=64)
    name_zh = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=150)
    unit = models.CharField(_("unit"), max_length=8)
    unit_en = models.CharField(_("unit (English)"), max_length=16, blank=True)
    provincial = models.BooleanField(_("provincial indicator (★)"), default=False)
    baseline = models.DecimalField(_("2020 baseline"), max_digits=12, decimal_places=4, null=True, blank=True)
    midterm = models.DecimalField(_("2023 mid-term target"), max_digits=12, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(_("2025 target"), max_digits=12, decimal_places=4, null=True, blank=True)
    formula_zh = models.TextField(_("formula in the plan"))
    formula_en = models.TextField(_("formula in the plan (English)"), blank=True)
    computation_zh = models.TextField(_("how the platform computes it"))
    computation_en = models.TextField(_("how the platform computes it (English)"), blank=True)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    span = models.CharField(_("span"), max_length=16, choices=Span.choices, default=Span.STATE)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["number"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.number} {self.name_zh}"

    @property
    def name(self) -> str:
        return self.name_en if _english() and self.name_en else self.name_zh

    @property
    def category(self) -> str:
        return self.category_en if _english() and self.category_en else self.category_zh

    @property
    def unit_label(self) -> str:
        return self.unit_en if _english() else self.unit

    @property
    def formula(self) -> str:
        return self.formula_en if _english() and self.formula_en else self.formula_zh

    @property
    def computation(self) -> str:
        return self.computation_en if _english() and self.computation_en else self.computation_zh

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"


def _evidence_path(instance: ReportedValue, filename: str) -> str:
    # The stored name was made random by the upload check; the original is kept as a label.
    return f"indicators/evidence/{filename}"


class ReportedValue(models.Model):
    """A value a data officer reported for an indicator the platform does not compute, as of a
    day, with where it comes from and a file that proves it."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="reported_values")
    as_of = models.DateField(_("as of"))
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=4)
    numerator = models.DecimalField(_("numerator"), max_digits=14, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(_("denominator"), max_digits=14, decimal_places=4, null=True, blank=True)
    source = models.CharField(_("source"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to=_evidence_path, max_length=200)
    evidence_name = models.CharField(_("evidence file name"), max_length=200)
    evidence_type = models.CharField(max_length=64, editable=False)
    evidence_sm3 = models.CharField(max_length=64, editable=False)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)

    class Meta:
        ordering = ["-as_of", "-entered_at", "-pk"]
        verbose_name = _("reported value")
        verbose_name_plural = _("reported values")
        indexes = [models.Index(fields=["indicator", "-as_of", "-entered_at"], name="indicators_reported_latest")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.as_of} {self.value}"


class Snapshot(models.Model):
    """One day's value of one indicator for one scope: ``""`` the district, ``dept:<code>`` a
    department, ``sub:<region code>`` a 街道 (its departments)."""

    class Source(models.TextChoices):
        COMPUTED = "computed", _("Computed")
        REPORTED = "reported", _("Reported")
        MISSING = "missing", _("Not reported")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="snapshots")
    day = models.DateField(_("day"))
    scope = models.CharField(_("scope"), max_length=40, blank=True, default="")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    numerator = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    value = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    period_start = models.DateField()
    reported = models.ForeignKey(ReportedValue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["indicator__number", "scope", "day"]
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "scope", "day"], name="indicators_one_snapshot_per_day"),
            models.CheckConstraint(
                condition=models.Q(source="reported") | models.Q(reported__isnull=True),
                name="indicators_snapshot_reported_link",
            ),
        ]
        indexes = [models.Index(fields=["scope", "-day"], name="indicators_snapshot_scope_day")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.scope or '-'} {self.day}: {self.value}"
