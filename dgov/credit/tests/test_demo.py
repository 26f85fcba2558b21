"""The demo entries `make run` loads after the demo accounts: idempotent, keys printed, and the
demo enterprise account is on the red list with 容缺受理 and 优先办理."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command

from dgov.accounts.models import User
from dgov.core.validation import normalise_credit_code, normalise_id_number
from dgov.credit import selectors, services
from dgov.credit.demo import (
    demo_account_enterprise_code,
    demo_blacklisted_enterprise_code,
    demo_person_id_number,
    demo_repaired_enterprise_code,
    load_demo,
)
from dgov.credit.models import CreditEntry


def test_the_demo_lists_four_subjects_once(jianghai: None, settings: Any) -> None:
    settings.DGOV_DEMO = True
    out = StringIO()
    call_command("load_demo_credit", stdout=out)
    text = out.getvalue()
    assert "Demo credit entries made: 4." in text
    person, black, red, repaired = (
        demo_person_id_number(),
        demo_blacklisted_enterprise_code(),
        demo_account_enterprise_code(),
        demo_repaired_enterprise_code(),
    )
    for key in (person, black, red, repaired):
        assert key in text
    assert normalise_id_number(person) == person and person.startswith("44070419700101")
    assert all(normalise_credit_code(c) == c for c in (black, red, repaired))
    assert red == User.objects.get(username="enterprise").enterprise_credit_code

    assert services.credit_check(subject_kind="person", key=person, item_code="demo").result == "black"
    assert services.credit_check(subject_kind="enterprise", key=black, item_code="demo").result == "black"
    found = services.credit_check(subject_kind="enterprise", key=red, item_code="demo")
    assert found.result == "red" and found.measures == {"tolerate_missing", "fast_track"}
    assert services.credit_check(subject_kind="enterprise", key=repaired, item_code="demo").result == "clear"
    assert CreditEntry.objects.filter(status="withdrawn").count() == 1
    assert not selectors.entries_in_force("enterprise", repaired).exists()

    assert [e.created for e in load_demo()] == [False] * 4
    call_command("load_demo_credit", stdout=StringIO())
    assert CreditEntry.objects.count() == 4


def test_nothing_outside_demo_mode(jianghai: None, settings: Any) -> None:
    settings.DGOV_DEMO = False
    out = StringIO()
    call_command("load_demo_credit", stdout=out)
    assert not CreditEntry.objects.exists() and "Not in demo mode" in out.getvalue()
