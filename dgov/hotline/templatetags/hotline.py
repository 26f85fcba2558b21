"""Template helpers of the hotline's pages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from dgov.hotline.numbering import PREFIX, ticket_number_valid

register = template.Library()


@register.filter
def ticket_number_parts(number: str) -> str:
    """A ticket number that wraps only between its parts (region, date, sequence) in narrow columns."""
    if not ticket_number_valid(number):
        return number
    region_end = len(PREFIX) + 12
    return format_html(
        "{}<wbr>{}<wbr>{}", number[:region_end], number[region_end : region_end + 8], number[region_end + 8 :]
    )
