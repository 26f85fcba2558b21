"""Fill the working-day calendar from chinesecalendar (idempotent; imported and edited years are kept)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dgov.core.models import CalendarYear
from dgov.core.workdays import calendar_seed_from_library, calendar_year_sources, library_label, library_years


class Command(BaseCommand):
    help = (
        "Load the Chinese working-day calendar from the chinesecalendar library for the years it covers. "
        "Safe to run twice; years an administrator imported or edited are never overwritten."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "years", nargs="*", type=int, help="Only these years (default: every year the library has)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        requested = sorted(set(options["years"]) or set(library_years()))
        seeded = calendar_seed_from_library(actor=None, years=requested)
        sources = calendar_year_sources()
        skipped: dict[str, list[int]] = {}
        for year in requested:
            if year in seeded:
                continue
            if year not in library_years():
                reason = f"not in {library_label()}, import the State Council notice"
            elif sources.get(year) == CalendarYear.Source.SEEDED:
                reason = "unchanged"
            else:
                reason = f"{sources.get(year)} by an administrator, kept"
            skipped.setdefault(reason, []).append(year)
        self.stdout.write("Seeded: " + (_years(seeded) or "none"))
        self.stdout.write("Skipped: " + ("; ".join(f"{_years(ys)} ({why})" for why, ys in skipped.items()) or "none"))


def _years(years: list[int]) -> str:
    """2004-2010, 2012 rather than every year."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
