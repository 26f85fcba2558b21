"""Two requests to issue the licence of one approved case at the same moment (the task after
approval and a member of staff clicking "issue", or a retried task) make one licence."""

from __future__ import annotations

import pytest

from dgov.accounts.models import User
from dgov.cases import services as cases
from dgov.cases.models import CaseEvent
from dgov.core.tests.concurrency import on_postgres, race
from dgov.licences.models import Licence, LicenceSequence
from dgov.licences.tests.conftest import food_case_approve, food_case_submit
from dgov.licences.verification import VALID, verify_licence
from dgov.notices.models import Notice


@on_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("actors", [("platform", "platform"), ("platform", "approver")])
def test_two_issues_of_one_case_at_once_make_one_licence(
    licences_demo_committed: dict[str, int], monkeypatch: pytest.MonkeyPatch, actors: tuple[str, str]
) -> None:
    enterprise = User.objects.get(username="enterprise")
    approver = User.objects.get(username="approver")
    # Approve without the after-commit task, so that the two threads below are the only issuers.
    monkeypatch.setattr(cases, "_queue_licence", lambda case_id: None)
    case = food_case_approve(food_case_submit(enterprise))
    sequence_before = sum(LicenceSequence.objects.values_list("last", flat=True))
    notices_before = Notice.objects.filter(recipient=enterprise).count()

    def work(i: int) -> str:
        actor = approver if actors[i] == "approver" else None
        licence = cases.case_issue_licence(case_id=case.pk, actor=actor)
        return str(licence.identifier)

    identifiers = race(2, work)
    assert all(isinstance(x, str) for x in identifiers), identifiers
    assert identifiers[0] == identifiers[1]
    licence = Licence.objects.get(case=case)
    assert licence.identifier == identifiers[0]
    assert Licence.objects.filter(holder_user=enterprise, case__isnull=False).count() == 1
    assert verify_licence(licence).state == VALID
    # One serial used, one timeline entry, one notice to the applicant.
    assert sum(LicenceSequence.objects.values_list("last", flat=True)) == sequence_before + 1
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.LICENCE_ISSUED).count() == 1
    assert Notice.objects.filter(recipient=enterprise).count() == notices_before + 1
