"""Fixtures of the workflow kernel's tests: the shipped standard process and a case running on it."""

from __future__ import annotations

import itertools
import re

import pytest
from django.utils import translation

from dgov.accounts.models import Department, User
from dgov.workflow.models import ProcessDefinition, ProcessInstance, Task
from dgov.workflow.services import process_definitions_load_shipped, process_start

BPMN_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  id="defs" targetNamespace="https://example.test/bpmn">
"""


def bpmn(body: str, *, process_id: str = "p", executable: str = "true", extra: str = "") -> str:
    """A BPMN document with one process around body (flow elements)."""
    return (
        f'{BPMN_HEAD}  <bpmn:process id="{process_id}" name="Test process" isExecutable="{executable}">\n'
        f"{body}\n  </bpmn:process>\n{extra}</bpmn:definitions>\n"
    )


def user_task(task_id: str, *, role: str | None = "approver", days: str | None = None, fields: str = "") -> str:
    props = ""
    if role is not None:
        props += f'<camunda:property name="role" value="{role}" />'
    if days is not None:
        props += f'<camunda:property name="days" value="{days}" />'
    ext = ""
    if props or fields:
        form = f"<camunda:formData>{fields}</camunda:formData>" if fields else ""
        properties = f"<camunda:properties>{props}</camunda:properties>" if props else ""
        ext = f"<bpmn:extensionElements>{form}{properties}</bpmn:extensionElements>"
    return f'<bpmn:userTask id="{task_id}" name="{task_id}">{ext}</bpmn:userTask>'


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}" />'
    return (
        f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>'
        f"</bpmn:sequenceFlow>"
    )


def linear(*tasks: str) -> str:
    """start -> tasks... -> end, each task a user task XML from user_task()."""
    ids = [re.search(r'id="([^"]+)"', t).group(1) for t in tasks]
    chain = ["start", *ids, "end"]
    flows = [flow(f"f{i}", a, b) for i, (a, b) in enumerate(itertools.pairwise(chain))]
    return "\n".join(['<bpmn:startEvent id="start" />', *tasks, '<bpmn:endEvent id="end" />', *flows])


def open_task(instance: ProcessInstance, spec_id: str) -> Task:
    return Task.objects.get(instance=instance, spec_id=spec_id, state__in=Task.OPEN_STATES)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def scjg(jianghai: None) -> Department:
    return Department.objects.get(code="scjg")


@pytest.fixture
def standard(jianghai: None) -> ProcessDefinition:
    process_definitions_load_shipped(actor=None)
    return ProcessDefinition.objects.get(key="standard_case", status=ProcessDefinition.Status.PUBLISHED)


@pytest.fixture
def case(standard: ProcessDefinition, scjg: Department, citizen: User) -> ProcessInstance:
    """A standard case of the citizen in 区市场监督管理局, waiting for acceptance."""
    return process_start(
        actor=citizen,
        definition_key="standard_case",
        subject_type="tests.case",
        subject_id="1",
        department=scjg,
        data={"item": "食品经营许可"},
        applicant=citizen,
    )
