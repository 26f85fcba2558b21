"""The administrators' warning about years that deadlines reached with no working-day calendar."""

from __future__ import annotations

from typing import Any

from django import template

from dgov.core.workdays import calendar_gaps_open

register = template.Library()


@register.inclusion_tag("core/admin/calendar_gap_warning.html")
def calendar_gap_warning() -> dict[str, Any]:
    gaps = calendar_gaps_open()
    return {"gaps": gaps, "years": ", ".join(str(gap.year) for gap in gaps)}
