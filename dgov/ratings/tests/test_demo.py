"""The demo ratings `make run` loads: after the demo cases, idempotent, one open rectification."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command

from dgov.accounts.models import User
from dgov.cases.demo import load_demo_cases
from dgov.ratings.demo import load_demo_ratings
from dgov.ratings.models import Rating, Rectification


def test_the_demo_rates_the_ended_cases_and_leaves_an_open_rectification(
    jianghai: None, media_in_tmp: None, login: Any, settings: Any
) -> None:
    settings.DGOV_DEMO = True
    load_demo_cases()
    out = StringIO()
    call_command("load_demo_ratings", stdout=out)
    assert "Demo ratings made: 2." in out.getvalue()
    good = Rating.objects.get(level=5)
    assert (good.channel, good.rater.username, good.clerk.username) == ("window_pad", "citizen", "clerk")
    bad = Rating.objects.get(level=2)
    rect = Rectification.objects.get(rating=bad)
    assert (rect.state, rect.department.code) == ("open", "scjg")
    assert load_demo_ratings() == 0
    assert Rating.objects.count() == 2

    approver = User.objects.get(username="approver")
    html = login(approver).get("/ratings/work/").content.decode()
    assert f'data-rectification="{rect.pk}"' in html
