"""Indicator 8 政务服务“好差评” (plan 附件1: 数据统计): the score of the period's ratings.

score = 10 × non-bad ratings (基本满意 or better) ÷ counted ratings, one decimal, the same rule as
the public statistics (dgov.ratings.selectors); ratings excluded as malicious by a reviewed decision
are not counted. Ratings of 12345 callbacks count too: the hotline is one of the channels the
national 好差评 rules (国办发〔2019〕51号) name. See docs/indicators.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dgov.core.measures import Column, Measure, Period, register, share_of
from dgov.ratings.models import GOOD_LEVELS, Rating
from dgov.ratings.selectors import score_of


@register(
    "rating_score",
    columns=(
        Column(_("Rating"), "pk"),
        Column(_("Level"), "get_level_display"),
        Column(_("Department"), "department.label"),
        Column(_("Rated through"), "get_channel_display"),
        Column(_("Rated at"), "created_at"),
    ),
    records_label=_("ratings"),
    by_department=True,
)
def rating_score(period: Period, departments: Sequence[int] | None) -> Measure:
    universe = Rating.objects.filter(
        excluded_at__isnull=True, created_at__gte=period.since, created_at__lt=period.until
    ).select_related("department")
    if departments is not None:
        universe = universe.filter(department_id__in=departments)
    universe = universe.order_by("-created_at", "-pk")
    return share_of(universe, Q(level__in=GOOD_LEVELS), value=score_of)
