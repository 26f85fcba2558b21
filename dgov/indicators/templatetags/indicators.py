"""Showing an indicator's figures: no trailing zeros, a dash for none."""

from __future__ import annotations

from django import template

from dgov.indicators.computation import figure_text

register = template.Library()
register.filter("figure", figure_text)
