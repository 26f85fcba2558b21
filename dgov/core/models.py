"""The Chinese working-day calendar (法定节假日与调休): the platform's own table, not the library's.

Storage is exceptions-only. A year is *covered* when it has a :class:`CalendarYear`; inside a
covered year every day follows the Monday–Friday rule unless a :class:`CalendarDay` row names it:
the days of the State Council's holiday notice (国务院办公厅关于节假日安排的通知), i.e. the
holiday ranges (weekend days inside a range may be listed too, they change nothing) and the
make-up working days on a Saturday or Sunday (调休上班). About 30 rows a year instead of 365,
and the table reads like the notice. A day in a year with no CalendarYear is counted Monday–Friday
and leaves a :class:`CalendarGap` for the administrators (see dgov.core.workdays).

Rows are written only by the services in dgov.core.workdays, which also change ``revision`` so
that the per-process cache of each year is reloaded after any edit.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_revision() -> str:
    return uuid.uuid4().hex


class CalendarYear(models.Model):
    """One year of the calendar, loaded from a holiday notice; its days are the exceptions."""

    class Source(models.TextChoices):
        SEEDED = "seeded", _("Seeded from the chinesecalendar library")
        IMPORTED = "imported", _("Imported from the State Council notice")
        MANUAL = "manual", _("Edited by an administrator")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    notice = models.CharField(
        _("notice"), max_length=200, blank=True, help_text=_("The holiday notice, e.g. 国办发明电〔2025〕7号.")
    )
    loaded_at = models.DateTimeField(_("loaded at"))
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("loaded by"),
    )
    # Changed on every write to the year or its days: the cache key of the year's exceptions.
    revision = models.CharField(max_length=32, default=new_revision, editable=False)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that differs from, or is named beside, the Monday–Friday rule: a holiday or a make-up workday."""

    year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days", verbose_name=_("year"))
    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, help_text=_("e.g. 春节, 国庆节, 调休上班"))

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"


class CalendarGap(models.Model):
    """A year that a deadline computation reached with no calendar loaded: counted Monday–Friday."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    first_needed_at = models.DateTimeField(_("first needed at"))
    last_needed_at = models.DateTimeField(_("last needed at"))
    times = models.PositiveIntegerField(_("times needed"), default=0)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar gap")
        verbose_name_plural = _("calendar gaps")

    def __str__(self) -> str:
        return str(self.year)
