"""Facts that name the table version they were read for: the business-rule task evaluates that
version without looking up the version in force again, and the start hands its decisions to the
caller."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dgov.accounts.models import Department, User
from dgov.workflow import decisions
from dgov.workflow.decisions import Facts, decision_definition_publish, decision_definition_upload
from dgov.workflow.models import DecisionDefinition, DecisionRecord, ProcessInstance
from dgov.workflow.services import process_start

KEY = "gaoling_jintie"
SHIPPED = (decisions.DECISION_DIR / f"{KEY}.dmn").read_text(encoding="utf-8")
FACTS = {"applicant": {"age": 77, "registered_in_district": True}}


@pytest.fixture
def tables(jianghai: None) -> None:
    decisions.decision_definitions_load_shipped(actor=None)


def _start(citizen: User, context: Any, subject: str = "F-1") -> ProcessInstance:
    return process_start(
        actor=citizen,
        definition_key="instant_case",
        subject_type="tests.case",
        subject_id=subject,
        department=Department.objects.get(code="mzj"),
        data={"decision_key": KEY},
        applicant=citizen,
        decision_context=context,
    )


def _version_75() -> DecisionDefinition:
    """The shipped table with the age limit lowered to 75, published (version 2)."""
    text = SHIPPED.replace("<text>&gt;= 80</text>", "<text>&gt;= 75</text>").replace(
        "<text>&lt; 80</text>", "<text>&lt; 75</text>"
    )
    return decision_definition_publish(actor=None, definition=decision_definition_upload(actor=None, dmn_xml=text))


def test_the_pinned_version_decides(tables: None, citizen: User) -> None:
    v1 = decisions.decision_in_force(key=KEY, at=timezone.now())
    assert v1 is not None
    # Version 2 is published after the facts were read for version 1: version 1 still decides.
    _version_75()
    facts = Facts(FACTS, tables={KEY: v1})
    instance = _start(citizen, facts)
    record = DecisionRecord.objects.get(instance=instance)
    assert record.definition == v1
    assert record.outputs == {"decision": "reject"} and record.matched == [2]  # 77 < 80
    # Without a pin the version in force at the start decides (77 >= 75).
    other = DecisionRecord.objects.get(instance=_start(citizen, dict(FACTS), subject="F-2"))
    assert other.definition is not None and other.definition.version == 2
    assert other.outputs.get("decision") == "approve"


def test_a_pin_saves_the_look_up(tables: None, citizen: User) -> None:
    v1 = decisions.decision_in_force(key=KEY, at=timezone.now())
    decide = decisions.decider(timezone.now(), Facts(FACTS, tables={KEY: v1}))
    with CaptureQueriesContext(connection) as ctx:
        outputs, trace = decide(KEY, {})
    assert len(ctx.captured_queries) == 0
    assert trace.definition == v1 and outputs[decisions.STATUS_VARIABLE] == "decided"


def test_a_pin_to_no_table_reports_none_in_force(tables: None, citizen: User) -> None:
    decide = decisions.decider(timezone.now(), Facts(FACTS, tables={KEY: None}))
    outputs, trace = decide(KEY, {})
    assert outputs == {decisions.STATUS_VARIABLE: decisions.NO_TABLE} and trace.definition is None


def test_the_facts_are_what_the_table_reads(tables: None, citizen: User) -> None:
    facts = Facts(FACTS, tables={})
    assert dict(facts) == FACTS and facts.tables == {}


def test_the_start_hands_over_its_decisions(tables: None, citizen: User) -> None:
    instance = _start(citizen, Facts(FACTS))
    assert instance.started_decisions == list(DecisionRecord.objects.filter(instance=instance))
    fresh = ProcessInstance.objects.get(pk=instance.pk)
    assert fresh.started_decisions is None
