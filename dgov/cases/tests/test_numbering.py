"""Case numbers: 26 digits, region + Beijing date + the day's sequence, gap-free under concurrency;
and one case per idempotency key, even when the same request races itself."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from dgov.accounts.models import User
from dgov.cases import services
from dgov.cases.models import Case, CaseMaterial, CaseNumberSequence
from dgov.cases.numbering import case_number_next, case_number_valid
from dgov.cases.tests.conftest import food_data, signature_for, submit, uploadable, uploads_for
from dgov.catalog.models import ServiceItem
from dgov.core.sequences import region_code_12
from dgov.core.tests.concurrency import on_postgres, race

SH = ZoneInfo("Asia/Shanghai")
DISTRICT = "440704000000"


def _parts(number: str) -> tuple[str, str, int]:
    assert case_number_valid(number), number
    return number[:12], number[12:20], int(number[20:])


def test_a_number_is_region_beijing_date_and_sequence(
    enterprise: User, food_item: ServiceItem, time_machine: Any
) -> None:
    # 17:30 UTC on 2 March is 01:30 on 3 March in Beijing: the number carries the Beijing date.
    time_machine.move_to(datetime(2026, 3, 2, 17, 30, tzinfo=ZoneInfo("UTC")), tick=False)
    case = submit(enterprise, food_item)
    assert case.number == f"{DISTRICT}20260303000001"
    assert len(case.number) == 26 and case.number.isdigit()
    assert _parts(case.number) == (DISTRICT, "20260303", 1)


def test_numbers_are_consecutive_per_day_and_restart_the_next_day(
    enterprise: User, citizen: User, food_item: ServiceItem, citizen_food_data: dict[str, Any], time_machine: Any
) -> None:
    time_machine.move_to(datetime(2026, 3, 4, 9, 0, tzinfo=SH), tick=False)
    first = submit(enterprise, food_item)
    second = services.case_submit(
        actor=citizen,
        item=food_item,
        data=citizen_food_data,
        uploads=uploads_for(food_item),
        signature=signature_for(citizen, food_item),
    )
    third = submit(enterprise, food_item)
    assert [_parts(c.number)[2] for c in (first, second, third)] == [1, 2, 3]
    time_machine.move_to(datetime(2026, 3, 4, 23, 59, 59, tzinfo=SH), tick=False)
    assert _parts(submit(enterprise, food_item).number) == (DISTRICT, "20260304", 4)
    time_machine.move_to(datetime(2026, 3, 5, 0, 0, 1, tzinfo=SH), tick=False)
    assert _parts(submit(enterprise, food_item).number) == (DISTRICT, "20260305", 1)
    assert CaseNumberSequence.objects.get(region_code=DISTRICT, day="2026-03-04").last == 4


def test_each_region_has_its_own_sequence(db: None) -> None:
    at = datetime(2026, 3, 6, 10, 0, tzinfo=SH)
    assert case_number_next(region_code="440704", at=at) == f"{DISTRICT}20260306000001"
    assert case_number_next(region_code="440704004", at=at) == "44070400400020260306000001"
    assert case_number_next(region_code="440704", at=at) == f"{DISTRICT}20260306000002"
    assert case_number_next(region_code="440704004000", at=at) == "44070400400020260306000002"


@pytest.mark.parametrize("code", ["", "44070X", "4407040040001", "江海区"])
def test_a_region_code_must_be_a_statistical_code(code: str) -> None:
    with pytest.raises(ValueError):
        region_code_12(code)


def test_the_sequence_does_not_overflow_into_another_field(db: None) -> None:
    CaseNumberSequence.objects.create(region_code=DISTRICT, day="2026-03-06", last=999_998)
    at = datetime(2026, 3, 6, 10, 0, tzinfo=SH)
    assert case_number_next(region_code="440704", at=at).endswith("999999")
    with pytest.raises(OverflowError):
        case_number_next(region_code="440704", at=at)


def test_a_failed_submission_gives_its_number_back(enterprise: User, food_item: ServiceItem, time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 9, 9, 0, tzinfo=SH), tick=False)
    first = submit(enterprise, food_item)
    engine_down = mock.patch("dgov.cases.services.workflow.process_start", side_effect=RuntimeError("engine down"))
    with engine_down, pytest.raises(RuntimeError):
        submit(enterprise, food_item)
    second = submit(enterprise, food_item)
    assert _parts(second.number)[2] == _parts(first.number)[2] + 1


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        (f"{DISTRICT}20260303000001", True),
        (f"{DISTRICT}2026030300001", False),
        (f"{DISTRICT}20260303000001 ", False),
        ("4407040000002026030300000X", False),
        ("", False),
    ],
)
def test_the_number_shape_is_checked_before_any_lookup(number: str, valid: bool) -> None:
    assert case_number_valid(number) is valid


# --- Idempotency through the services (the API has its own tests) --------------------------------


def test_the_same_key_for_another_submitter_is_another_case(
    enterprise: User, citizen: User, food_item: ServiceItem, citizen_food_data: dict[str, Any]
) -> None:
    mine = submit(enterprise, food_item, idempotency_key="order-1")
    theirs = services.case_submit(
        actor=citizen,
        item=food_item,
        data=citizen_food_data,
        uploads=uploads_for(food_item),
        idempotency_key="order-1",
        signature=signature_for(citizen, food_item),
    )
    assert mine.pk != theirs.pk and mine.number != theirs.number


def test_a_replay_writes_no_files(enterprise: User, food_item: ServiceItem) -> None:
    first = submit(enterprise, food_item, idempotency_key="k-files")
    files = sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    again = submit(enterprise, food_item, idempotency_key="k-files")
    assert again.pk == first.pk and getattr(again, "replayed", False)
    assert sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()) == files
    assert CaseMaterial.objects.filter(case=first).count() == len(uploadable(food_item))


# --- Under concurrency (PostgreSQL) ----------------------------------------------------------------


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_distinct_consecutive_numbers(reference_data_again: None) -> None:
    enterprise = User.objects.get(username="enterprise")
    item = ServiceItem.objects.get(name="食品经营许可", status="published")
    data = food_data(enterprise)

    def work(i: int) -> str:
        case = services.case_submit(
            actor=enterprise, item=item, data=data, uploads=uploads_for(item), idempotency_key=f"race-{i}"
        )
        return str(case.number)

    numbers = race(8, work)
    assert all(isinstance(n, str) for n in numbers), numbers
    assert len(set(numbers)) == 8
    prefixes = {n[:20] for n in numbers}
    assert len(prefixes) == 1  # one region, one day
    sequence = sorted(int(n[20:]) for n in numbers)
    assert sequence == list(range(sequence[0], sequence[0] + 8))
    assert Case.objects.filter(submitted_by=enterprise).count() == 8


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_an_idempotency_race_makes_one_case(reference_data_again: None) -> None:
    enterprise = User.objects.get(username="enterprise")
    item = ServiceItem.objects.get(name="食品经营许可", status="published")
    data = food_data(enterprise)

    def work(i: int) -> int:
        case = services.case_submit(
            actor=enterprise, item=item, data=data, uploads=uploads_for(item), idempotency_key="double-click"
        )
        return int(case.pk)

    pks = race(8, work)
    assert all(isinstance(pk, int) for pk in pks), pks
    assert len(set(pks)) == 1
    case = Case.objects.get(submitted_by=enterprise)
    assert case.pk == pks[0] and _parts(str(case.number))[2] == 1
    # The losers' files were removed again: only the winner's are on disk.
    files = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert len(files) == CaseMaterial.objects.filter(case=case).count() == len(uploadable(item))
