"""Who may see and do what with a case: the outsider sees nothing, applicants only their own,
citizens no staff pages, each staff role only its own steps, and one task is completed once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404

from dgov.accounts.models import User
from dgov.audit.models import AuditEvent
from dgov.cases import selectors, services
from dgov.cases.models import Case, CaseEvent
from dgov.cases.tests.conftest import open_task, submit
from dgov.catalog.models import ServiceItem
from dgov.core.errors import ConflictError
from dgov.workflow.models import Task
from dgov.workflow.selectors import task_get_for_user
from dgov.workflow.services import task_claim

on_postgres = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="threads racing on one row need a server database (DATABASE_URL=postgres://…); SQLite locks the whole file",
)


@pytest.fixture
def case(enterprise: User, food_item: ServiceItem) -> Case:
    """The enterprise's 食品经营许可, submitted online and waiting for acceptance."""
    return submit(enterprise, food_item)


def _state(case: Case) -> tuple[str, list[tuple[str, str]], int]:
    """What an illegal act must leave unchanged: status, open tasks, timeline length."""
    tasks = list(
        Task.objects.filter(instance_id=case.instance_id, state__in=Task.OPEN_STATES).values_list("spec_id", "state")
    )
    return Case.objects.get(pk=case.pk).status, tasks, CaseEvent.objects.filter(case=case).count()


# --- The outsider (approver of 民政局) ----------------------------------------------------------


def test_outsider_sees_nothing_of_the_case_on_pages(case: Case, outsider: User, login: Any) -> None:
    client = login(outsider)
    task = open_task(case)
    material = case.materials.first()
    assert material is not None
    for url in (
        f"/cases/work/cases/{case.pk}/",
        f"/cases/work/cases/{case.pk}/process.xml",
        f"/cases/{case.pk}/receipt/",
        f"/cases/materials/{material.pk}/",
        f"/cases/mine/{case.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/cases/work/tasks/{task.pk}/", {"action": "claim"}).status_code == 404
    assert (
        client.post(
            f"/cases/work/tasks/{task.pk}/", {"action": "complete", f"t{task.pk}-decision": "accept"}
        ).status_code
        == 404
    )
    assert client.post(f"/cases/work/cases/{case.pk}/correct/").status_code == 404
    # The lists open (the outsider is staff) but do not show the case.
    for url in ("/cases/work/", "/cases/work/cases/"):
        response = client.get(url)
        assert response.status_code == 200
        assert case.number.encode() not in response.content
    assert Task.objects.get(pk=task.pk).state == Task.State.READY


def test_outsider_sees_nothing_of_the_case_in_the_api(case: Case, outsider: User, login: Any) -> None:
    client = login(outsider)
    task = open_task(case)
    assert client.get(f"/api/v1/cases/{case.number}").status_code == 404
    assert client.get(f"/api/v1/cases/{case.number}").json()["code"] == "not_found"
    listed = client.get("/api/v1/cases")
    assert listed.status_code == 200 and listed.json() == []
    tasks = client.get("/api/v1/tasks")
    assert tasks.status_code == 200 and task.pk not in [t["id"] for t in tasks.json()]
    for action in ("claim", "release", "complete"):
        body = {"decision": "accept"} if action == "complete" else {}
        response = client.post(f"/api/v1/tasks/{task.pk}/{action}", body, content_type="application/json")
        assert response.status_code == 404, action
    withdraw = client.post(f"/api/v1/cases/{case.number}/withdraw", {"reason": "x"}, content_type="application/json")
    assert withdraw.status_code == 404
    assert Case.objects.get(pk=case.pk).status == Case.Status.SUBMITTED


def test_outsider_cannot_complete_the_task_through_the_services(case: Case, outsider: User) -> None:
    task = open_task(case)
    before = _state(case)
    with pytest.raises(Http404):
        task_get_for_user(user=outsider, pk=task.pk)
    with pytest.raises(Http404):
        selectors.case_get_for_user(user=outsider, pk=case.pk)
    with pytest.raises(PermissionDenied):
        services.case_task_complete(actor=outsider, task=task, decision="accept", opinion="x" * 5000)
    # The refusal is on the record, not rolled back with the step it refused.
    denied = AuditEvent.objects.get(action="access.denied", actor=outsider)
    assert denied.summary["action"] == "case.task_complete"
    with pytest.raises(PermissionDenied):
        task_claim(actor=outsider, task=task)
    assert _state(case) == before


# --- Applicants -----------------------------------------------------------------------------------


def test_a_citizen_sees_only_their_own_cases_by_id_guessing_too(
    case: Case, citizen: User, citizen_food_data: dict[str, Any], food_item: ServiceItem, login: Any
) -> None:
    from dgov.cases.tests.conftest import signature_for, uploads_for

    own = services.case_submit(
        actor=citizen,
        item=food_item,
        data=citizen_food_data,
        uploads=uploads_for(food_item),
        signature=signature_for(citizen, food_item),
    )
    client = login(citizen)
    other_material = case.materials.first()
    own_material = own.materials.first()
    assert other_material is not None and own_material is not None
    assert client.get(f"/cases/mine/{own.pk}/").status_code == 200
    assert client.get(f"/cases/{own.pk}/receipt/").status_code == 200
    assert client.get(f"/cases/materials/{own_material.pk}/").status_code == 200
    for url in (
        f"/cases/mine/{case.pk}/",
        f"/cases/{case.pk}/receipt/",
        f"/cases/materials/{other_material.pk}/",
        f"/cases/mine/{max(own.pk, case.pk) + 1}/",
        f"/cases/{max(own.pk, case.pk) + 1}/receipt/",
        "/cases/mine/999999/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/cases/mine/{case.pk}/withdraw/", {"reason": "猜的"}).status_code == 404
    assert client.post(f"/cases/materials/{other_material.pk}/remove/").status_code == 404
    assert client.post(f"/cases/drafts/{case.pk}/delete/").status_code == 404
    # The API answers the same way.
    assert client.get(f"/api/v1/cases/{case.number}").status_code == 404
    assert client.get(f"/api/v1/cases/{own.number}").status_code == 200
    assert [c["number"] for c in client.get("/api/v1/cases").json()] == [own.number]
    assert Case.objects.get(pk=case.pk).status == Case.Status.SUBMITTED


def test_a_citizen_cannot_open_the_staff_pages(case: Case, citizen: User, login: Any) -> None:
    client = login(citizen)
    for url in ("/cases/work/", "/cases/work/cases/", f"/cases/work/cases/{case.pk}/", "/cases/window/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/cases/work/tasks/{open_task(case).pk}/", {"action": "claim"}).status_code == 403
    assert AuditEvent.objects.filter(action="access.denied", actor=citizen).exists()
    # The API's work queue has nothing for them, and their staff actions are refused.
    assert client.get("/api/v1/tasks").json() == []
    response = client.post(
        f"/api/v1/tasks/{open_task(case).pk}/complete", {"decision": "accept"}, content_type="application/json"
    )
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(case: Case) -> None:
    from django.test import Client

    client = Client()
    for url in ("/cases/work/", f"/cases/{case.pk}/receipt/", f"/cases/mine/{case.pk}/", "/cases/mine/"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url
    assert client.get(f"/api/v1/cases/{case.number}").status_code == 401


# --- Staff roles -------------------------------------------------------------------------------------


def test_the_clerk_cannot_do_the_approvers_steps(case: Case, clerk: User, approver: User) -> None:
    services.case_task_complete(actor=clerk, task=open_task(case), decision="accept")
    review = open_task(case)
    assert review.spec_id == "review_step"
    before = _state(case)
    with pytest.raises(PermissionDenied):
        services.case_task_complete(actor=clerk, task=review, opinion="我来审")
    assert _state(case) == before
    services.case_task_complete(actor=approver, task=review, opinion="符合条件")
    decide = open_task(case)
    with pytest.raises(PermissionDenied):
        services.case_task_complete(actor=clerk, task=decide, decision="approve")
    assert Case.objects.get(pk=case.pk).status == Case.Status.ACCEPTED


def test_the_approver_cannot_accept(case: Case, approver: User) -> None:
    before = _state(case)
    with pytest.raises(PermissionDenied):
        services.case_task_complete(actor=approver, task=open_task(case), decision="accept")
    assert _state(case) == before


def test_the_approver_cannot_touch_another_departments_case(
    citizen: User, approver: User, card_item: ServiceItem, card_data: dict[str, Any], login: Any
) -> None:
    from dgov.cases.tests.conftest import signature_for, uploads_for

    case = services.case_submit(
        actor=citizen,
        item=card_item,
        data=card_data,
        uploads=uploads_for(card_item),
        signature=signature_for(citizen, card_item),
    )
    assert case.department.code == "rsj"
    task = open_task(case)
    with pytest.raises(PermissionDenied):
        services.case_task_complete(actor=approver, task=task, decision="accept")
    with pytest.raises(Http404):
        selectors.case_get_for_staff(user=approver, pk=case.pk)
    client = login(approver)
    assert client.get(f"/cases/work/cases/{case.pk}/").status_code == 404
    assert (
        client.post(
            f"/cases/work/tasks/{task.pk}/", {"action": "complete", f"t{task.pk}-decision": "accept"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/tasks/{task.pk}/complete", {"decision": "accept"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert Case.objects.get(pk=case.pk).status == Case.Status.SUBMITTED


def test_the_staff_case_page_offers_no_action_to_the_wrong_role(case: Case, approver: User, login: Any) -> None:
    response = login(approver).get(f"/cases/work/cases/{case.pk}/")
    assert response.status_code == 200
    assert response.context["actions"] == []


def test_a_task_claimed_by_someone_else_is_refused(case: Case, clerk: User, colleague: User) -> None:
    task = task_claim(actor=clerk, task=open_task(case))
    with pytest.raises(ConflictError) as err:
        services.case_task_complete(actor=colleague, task=task, decision="refuse", opinion="不符合")
    assert err.value.code == "claimed" and err.value.status == 409
    assert Case.objects.get(pk=case.pk).status == Case.Status.SUBMITTED
    done = services.case_task_complete(actor=clerk, task=task, decision="accept")
    assert done.status == Case.Status.ACCEPTED


def test_the_second_of_two_completions_is_a_conflict(case: Case, clerk: User, colleague: User) -> None:
    """Deterministic on any database: the loser acts on a copy read before the winner committed."""
    mine, theirs = open_task(case), open_task(case)
    services.case_task_complete(actor=clerk, task=mine, decision="accept")
    with pytest.raises(ConflictError) as err:
        services.case_task_complete(actor=colleague, task=theirs, decision="refuse", opinion="不受理")
    assert err.value.code == "task_closed"
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED
    assert list(case.events.values_list("kind", flat=True)) == ["submitted", "accepted"]


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_threads_complete_one_task_one_wins(reference_data_again: None) -> None:
    from dgov.accounts.models import Department
    from dgov.accounts.services import role_grant, user_create

    enterprise = User.objects.get(username="enterprise")
    clerk = User.objects.get(username="clerk")
    scjg = Department.objects.get(code="scjg")
    colleague = user_create(
        actor=None, username="colleague2", password="Colleague-pass-2025!", kind="staff", department=scjg
    )
    role_grant(actor=None, user=colleague, role="window_clerk", department=scjg)
    case = submit(enterprise, ServiceItem.objects.get(name="食品经营许可", status="published"))
    task = open_task(case)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def attempt(name: str, actor: User, decision: str) -> None:
        try:
            barrier.wait(timeout=10)
            services.case_task_complete(actor=actor, task=task, decision=decision, opinion="并发")
            outcomes[name] = "won"
        except ConflictError as exc:
            outcomes[name] = exc.code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=("clerk", clerk, "accept")),
        threading.Thread(target=attempt, args=("colleague2", colleague, "refuse")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["task_closed", "won"]
    winner = next(name for name, result in outcomes.items() if result == "won")
    task.refresh_from_db()
    assert task.completed_by.username == winner
    case.refresh_from_db()
    assert case.status == (Case.Status.ACCEPTED if winner == "clerk" else Case.Status.REFUSED)
    assert case.events.filter(kind__in=["accepted", "refused"]).count() == 1
