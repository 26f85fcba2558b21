"""Where a notice about a task leads (the deadline sweep links every reminder to /cases/tasks/<id>/)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from dgov.accounts.models import User
from dgov.cases import services
from dgov.cases.tests.conftest import open_task, submit, uploadable
from dgov.catalog.models import ServiceItem
from dgov.workflow.escalation import task_link


def test_a_staff_task_link_opens_the_staff_case_page(enterprise: User, clerk: User, food_item: ServiceItem) -> None:
    case = submit(enterprise, food_item)
    task = open_task(case)
    assert task_link(task) == reverse("cases:task", args=[task.pk])
    client = Client()
    client.force_login(clerk)
    response = client.get(task_link(task))
    assert response.status_code == 302 and response["Location"] == f"/cases/work/cases/{case.pk}/"


def test_an_applicant_task_link_opens_their_case_and_nobody_else_s(
    enterprise: User, citizen: User, clerk: User, food_item: ServiceItem
) -> None:
    case = submit(enterprise, food_item)
    material = uploadable(food_item)[0]
    services.case_task_complete(
        actor=clerk, task=open_task(case), decision="request_correction", opinion="请重新上传", materials=[material.pk]
    )
    correction = open_task(case)
    client = Client()
    client.force_login(enterprise)
    response = client.get(task_link(correction))
    assert response.status_code == 302 and response["Location"] == f"/cases/mine/{case.pk}/"
    client.force_login(citizen)
    assert client.get(task_link(correction)).status_code == 404


def test_an_item_whose_process_is_not_published_cannot_be_applied_for(enterprise: User, food_item: ServiceItem) -> None:
    import pytest

    from dgov.cases.models import Case
    from dgov.core.errors import ApplicationError

    ServiceItem.objects.filter(pk=food_item.pk).update(process_key="not_uploaded_yet")
    food_item.refresh_from_db()
    with pytest.raises(ApplicationError) as err:
        submit(enterprise, food_item)
    assert err.value.code == "no_process"
    assert not Case.objects.exists()
