"""Indicator 5 “一件事”主题集成服务数量 (plan 附件1: 数据统计): bundles published at the period's end."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from dgov.bundles.models import Bundle
from dgov.core.measures import Column, Measure, Period, register


@register(
    "life_event_bundles",
    columns=(Column(_("Code"), "code"), Column(_("Name"), "label"), Column(_("Published at"), "published_at")),
    records_label=_("bundles"),
)
def life_event_bundles(period: Period, departments: Sequence[int] | None) -> Measure:
    records = Bundle.objects.filter(status=Bundle.Status.PUBLISHED, published_at__lt=period.until).order_by("code")
    numerator = records.count()
    return Measure(numerator=numerator, denominator=None, value=Decimal(numerator), records=records)
