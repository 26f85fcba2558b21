"""Uploading, checking, publishing and versioning process definitions."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from dgov.audit.models import AuditEvent
from dgov.core.errors import ApplicationError, ConflictError
from dgov.workflow.models import ProcessDefinition, ProcessInstance
from dgov.workflow.services import (
    PROCESS_DIR,
    process_definition_publish,
    process_definition_upload,
    process_definitions_load_shipped,
    process_start,
    task_complete,
)
from dgov.workflow.tests.conftest import bpmn, flow, linear, open_task, user_task


def _refused(xml, *, key="p", process_id=None):
    count = ProcessDefinition.objects.count()
    audit = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        process_definition_upload(actor=None, key=key, name="Test", bpmn_xml=xml, process_id=process_id)
    assert exc.value.code == "invalid_bpmn"
    # Nothing is written when a file is refused.
    assert (ProcessDefinition.objects.count(), AuditEvent.objects.count()) == (count, audit)
    return exc.value.field_errors["bpmn_xml"]


def test_a_valid_upload_is_a_draft_version(db, sysadmin):
    xml = bpmn(linear(user_task("review_step", days="3")))
    definition = process_definition_upload(actor=sysadmin, key="p", name="审查", bpmn_xml=xml)
    assert (definition.key, definition.version, definition.status) == ("p", 1, "draft")
    assert (definition.process_id, definition.created_by, definition.bpmn_xml) == ("p", sysadmin, xml)
    again = process_definition_upload(actor=sysadmin, key="p", name="审查", bpmn_xml=xml.encode())
    assert again.version == 2
    assert AuditEvent.objects.filter(action="workflow.definition_upload", target_id=str(again.pk)).exists()


def test_malformed_xml(db):
    (error,) = _refused("<bpmn:definitions><bpmn:process>")
    assert error.startswith("The file is not well-formed XML")


def test_empty_file(db):
    assert _refused("  ") == ["The file is empty."]


def test_not_bpmn(db):
    (error,) = _refused('<?xml version="1.0"?><html><body>hello</body></html>')
    assert error == "The file is not a BPMN 2.0 document: its root element is html, not bpmn:definitions."


def test_schema_violation(db):
    (error,) = _refused(bpmn('<bpmn:startEvent id="start" /><bpmn:bogusThing id="x" />'))
    assert error.startswith("The file does not follow the BPMN 2.0 schema")


def test_doctype_and_entities_are_refused(db):
    xml = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>'
    )
    assert _refused(xml) == ["The file declares a DTD; BPMN files must not."]


def test_no_process(db):
    xml = bpmn("").replace('<bpmn:process id="p" name="Test process" isExecutable="true">\n\n  </bpmn:process>', "")
    assert _refused(xml) == ["The file contains no process."]


def test_no_process_with_the_given_id(db):
    xml = bpmn(linear(user_task("a")), process_id="Process_0x1")
    assert _refused(xml) == ['The file has no process with id "p" (found: Process_0x1).']
    # Naming the process explicitly works.
    definition = process_definition_upload(actor=None, key="p", name="", bpmn_xml=xml, process_id="Process_0x1")
    assert (definition.process_id, definition.name) == ("Process_0x1", "Test process")


def test_process_not_executable(db):
    (error,) = _refused(bpmn(linear(user_task("a")), executable="false"))
    assert error.startswith('The process "p" is not executable')


def test_missing_start_event(db):
    body = user_task("a") + '<bpmn:endEvent id="end" />' + flow("f1", "a", "end")
    assert _refused(bpmn(body)) == ['The process "p" has no start event.']


def test_user_task_without_role(db):
    (error,) = _refused(bpmn(linear(user_task("a", role=None))))
    assert error.startswith('bpmn:userTask id="a" (a) has no role: add a camunda property "role"')


def test_unknown_role(db):
    (error,) = _refused(bpmn(linear(user_task("a", role="mayor"))))
    assert error.startswith('bpmn:userTask id="a" (a) names the unknown role "mayor" (known roles: applicant, approver')


def test_role_from_lane(db, scjg, citizen):
    lanes = (
        '<bpmn:laneSet id="lanes"><bpmn:lane id="lane_1" name="approver">'
        "<bpmn:flowNodeRef>a</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
    )
    definition = process_definition_upload(
        actor=None, key="laned", name="", bpmn_xml=bpmn(lanes + linear(user_task("a", role=None)), process_id="laned")
    )
    process_definition_publish(actor=None, definition=definition)
    instance = process_start(
        actor=None, definition_key="laned", subject_type="t", subject_id="1", department=scjg, data={}
    )
    assert open_task(instance, "a").role == "approver"


def test_unsupported_elements(db):
    body = linear(user_task("a")).replace(
        '<bpmn:endEvent id="end" />',
        '<bpmn:endEvent id="end" /><bpmn:scriptTask id="s"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>',
    )
    timer = (
        '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition id="t">'
        "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
    )
    errors = _refused(bpmn(body + timer))
    assert errors == [
        'bpmn:scriptTask id="s" is not supported by the platform\'s engine.',
        'bpmn:intermediateCatchEvent id="wait" is not supported by the platform\'s engine.',
    ]
    message_start = linear(user_task("a")).replace(
        '<bpmn:startEvent id="start" />',
        '<bpmn:startEvent id="start"><bpmn:messageEventDefinition id="m" /></bpmn:startEvent>',
    )
    assert _refused(bpmn(message_start)) == [
        'bpmn:startEvent id="start" uses bpmn:messageEventDefinition, which the platform\'s engine does not support.'
    ]


def test_conditions_are_data_not_code(db):
    body = (
        '<bpmn:startEvent id="start" />'
        + user_task("a")
        + '<bpmn:exclusiveGateway id="g" /><bpmn:endEvent id="e1" /><bpmn:endEvent id="e2" />'
        + flow("f0", "start", "a")
        + flow("f1", "a", "g")
        + flow("f2", "g", "e1", "__import__('os').system('id')")
        + flow("f3", "g", "e2", "decision.__class__")
    )
    errors = _refused(bpmn(body))
    assert len(errors) == 2
    assert errors[0].startswith("The condition on bpmn:sequenceFlow id=\"f2\", \"__import__('os').system('id')\", ")
    assert "is not allowed: Call is not allowed." in errors[0]
    assert errors[1].endswith("is not allowed: Attribute is not allowed.")


def test_bad_days(db):
    (error,) = _refused(bpmn(linear(user_task("a", days="2 weeks"))))
    assert error == 'bpmn:userTask id="a" (a) has days="2 weeks": use a whole number up to 366 or a variable name.'
    (error,) = _refused(bpmn(linear(user_task("a", days="400"))))
    assert error.startswith('bpmn:userTask id="a" (a) has days="400"')


def test_ids_clashing_with_form_values(db):
    fields = '<camunda:formField id="decision" type="enum"><camunda:value id="a" name="A" /></camunda:formField>'
    (error,) = _refused(bpmn(linear(user_task("a", fields=fields))))
    assert error.startswith('The id "a" is used twice (bpmn:userTask and value)')


def test_bad_key(db):
    with pytest.raises(ApplicationError) as exc:
        process_definition_upload(actor=None, key="Bad Key", name="", bpmn_xml=bpmn(linear(user_task("a"))))
    assert exc.value.code == "invalid_key"


def test_only_the_system_administrator_manages_definitions(db, approver, citizen):
    xml = bpmn(linear(user_task("a")))
    for actor in (approver, citizen):
        with pytest.raises(PermissionDenied):
            process_definition_upload(actor=actor, key="p", name="", bpmn_xml=xml)
    assert not ProcessDefinition.objects.filter(key="p").exists()


def test_publish_retires_the_previous_version_and_instances_keep_theirs(standard, scjg, clerk, approver, sysadmin):
    running = process_start(
        actor=None, definition_key="standard_case", subject_type="t", subject_id="old", department=scjg, data={}
    )
    # Version 2 asks the approver to accept too (and renames the step).
    v2_xml = (
        (PROCESS_DIR / "standard_case.bpmn")
        .read_text()
        .replace(
            '<camunda:property name="role" value="window_clerk" />', '<camunda:property name="role" value="approver" />'
        )
        .replace('name="受理 Accept"', 'name="受理 Accept v2"')
    )
    v2 = process_definition_upload(actor=sysadmin, key="standard_case", name="", bpmn_xml=v2_xml)
    assert v2.version == 2
    process_definition_publish(actor=sysadmin, definition=v2)
    standard.refresh_from_db()
    assert (standard.status, v2.status) == ("retired", "published")
    assert standard.retired_at is not None and v2.published_at is not None

    fresh = process_start(
        actor=None, definition_key="standard_case", subject_type="t", subject_id="new", department=scjg, data={}
    )
    assert fresh.definition == v2
    assert (open_task(fresh, "accept_step").role, open_task(fresh, "accept_step").name) == (
        "approver",
        "受理 Accept v2",
    )

    # The old instance runs on v1 to the end, even after v2 is published.
    assert open_task(running, "accept_step").role == "window_clerk"
    task_complete(actor=clerk, task=open_task(running, "accept_step"), data={"decision": "accept"})
    task_complete(actor=approver, task=open_task(running, "review_step"), data={})
    done = task_complete(actor=approver, task=open_task(running, "decide_step"), data={"decision": "approve"})
    assert (done.status, done.definition.version) == (ProcessInstance.Status.COMPLETED, 1)

    with pytest.raises(ConflictError):
        process_definition_publish(actor=sysadmin, definition=v2)
    assert AuditEvent.objects.get(action="workflow.definition_publish", target_id=str(v2.pk)).summary == {
        "key": "standard_case",
        "version": 2,
        "retired": [1],
    }


def test_start_needs_a_published_version(db, scjg):
    process_definition_upload(actor=None, key="p", name="", bpmn_xml=bpmn(linear(user_task("a"))))
    with pytest.raises(ApplicationError) as exc:
        process_start(actor=None, definition_key="p", subject_type="t", subject_id="1", department=scjg, data={})
    assert exc.value.code == "no_definition"


def test_loading_the_shipped_processes_is_idempotent(jianghai):
    ProcessDefinition.objects.filter(key="standard_case").delete()
    call_command("load_processes")
    call_command("load_processes")
    (definition,) = ProcessDefinition.objects.filter(key="standard_case")
    assert (definition.version, definition.status, definition.created_by) == (1, "published", None)
    assert definition.bpmn_xml == (PROCESS_DIR / "standard_case.bpmn").read_text(encoding="utf-8")
    assert process_definitions_load_shipped()["standard_case"] == "unchanged"

    # A changed template is reported, and published as the next version only on request.
    ProcessDefinition.objects.filter(pk=definition.pk).update(bpmn_xml=definition.bpmn_xml + "\n")
    assert process_definitions_load_shipped()["standard_case"] == "differs"
    assert process_definitions_load_shipped(upgrade=True)["standard_case"] == "published v2"


def test_a_gb18030_file_is_stored_as_utf8(db, scjg):
    xml = bpmn(linear(user_task("a"))).replace('name="Test process"', 'name="审查流程"')
    raw = xml.replace('encoding="UTF-8"', 'encoding="GB18030"').encode("gb18030")
    definition = process_definition_upload(actor=None, key="p", name="", bpmn_xml=raw)
    assert definition.name == "审查流程"
    assert definition.bpmn_xml.startswith("<?xml version='1.0' encoding='utf-8'?>")
    process_definition_publish(actor=None, definition=definition)
    instance = process_start(actor=None, definition_key="p", subject_type="t", subject_id="1", department=scjg, data={})
    assert open_task(instance, "a").role == "approver"
