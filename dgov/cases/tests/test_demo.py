"""The demo cases `make run` loads: one per step, made through the services, loaded once."""

from __future__ import annotations

from dgov.accounts.models import User
from dgov.cases.demo import load_demo_cases
from dgov.cases.models import Case


def test_demo_cases_cover_each_step_once(citizen: User) -> None:
    assert load_demo_cases() == 4
    statuses = sorted(Case.objects.values_list("status", flat=True))
    assert statuses == ["accepted", "concluded", "correction", "submitted"]
    assert Case.objects.filter(channel="window").count() == 1
    assert load_demo_cases() == 0
    assert Case.objects.count() == 4
