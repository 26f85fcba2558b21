"""The process console (/workflow/): who may use it, what it shows, and uploads, edits and publishing."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client

from dgov.audit.models import AuditEvent
from dgov.workflow import selectors
from dgov.workflow.models import ProcessDefinition
from dgov.workflow.services import PROCESS_DIR, process_definition_upload
from dgov.workflow.tests.conftest import bpmn, flow, linear, user_task
from dgov.workflow.validation import MAX_BYTES, definition_steps

LIST = "/workflow/"
V1 = "/workflow/standard_case/v1/"
XML = "/workflow/standard_case/v1/bpmn.xml"
UPLOAD = "/workflow/standard_case/upload/"
NEW = "/workflow/upload/"
EDIT = "/workflow/standard_case/v1/edit/"
PUBLISH = "/workflow/standard_case/v1/publish/"
PAGES = [LIST, V1, XML, UPLOAD, NEW, EDIT, PUBLISH]

STANDARD = (PROCESS_DIR / "standard_case.bpmn").read_text(encoding="utf-8")


def sign_in(client: Client, username: str) -> Client:
    """Sign in through the login form, in English. Demo staff accounts have the second factor waived."""
    client.cookies["django_language"] = "en"
    response = client.post("/accounts/login/", {"username": username, "password": settings.DGOV_DEMO_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def admin_client(sysadmin, client: Client) -> Client:
    return sign_in(client, "admin")


def bpmn_file(content: str | bytes, name: str = "process.bpmn") -> SimpleUploadedFile:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="application/xml")


def standard_v2_xml() -> str:
    """The shipped process with the review step's time limit changed: a valid next version."""
    return STANDARD.replace('<camunda:property name="days" value="10" />', '<camunda:property name="days" value="8" />')


def snapshot() -> tuple[int, int]:
    return ProcessDefinition.objects.count(), AuditEvent.objects.filter(action__startswith="workflow.").count()


def errors_of(response) -> str:
    return " ".join(str(e) for errors in response.context["form"].errors.values() for e in errors)


# --- Who may use the console --------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(jianghai, client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), path
    response = client.post(PUBLISH)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("username", ["citizen", "approver", "clerk", "security", "auditor"])
def test_people_without_the_permission_are_refused_and_recorded(jianghai, client, username):
    sign_in(client, username)
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    before = snapshot()
    assert client.post(PUBLISH).status_code == 403
    assert client.post(UPLOAD, {"file": bpmn_file(standard_v2_xml())}).status_code == 403
    assert client.post(EDIT, {"bpmn_xml": standard_v2_xml()}).status_code == 403
    assert snapshot() == before
    denied = AuditEvent.objects.filter(action="access.denied", actor_label=username).latest("seq")
    assert denied.summary["path"] == EDIT and denied.summary["perm"] == "workflow.definitions.manage"


def test_the_system_administrator_may_use_every_page(admin_client):
    for path in PAGES:
        assert admin_client.get(path).status_code == 200, path


def test_unknown_keys_and_versions_are_not_found(admin_client):
    for path in ("/workflow/standard_case/v9/", "/workflow/nothing/v1/bpmn.xml", "/workflow/nothing/upload/"):
        assert admin_client.get(path).status_code == 404, path


# --- Reading --------------------------------------------------------------------------------------


def test_the_list_groups_versions_by_key_with_status_and_author(admin_client, sysadmin):
    process_definition_upload(actor=sysadmin, key="standard_case", name="", bpmn_xml=standard_v2_xml())
    html = admin_client.get(LIST).content.decode()
    assert 'id="key-standard_case"' in html
    assert html.index('href="/workflow/standard_case/v2/"') < html.index('href="/workflow/standard_case/v1/"')
    assert "Draft" in html and "Published" in html and "New cases start on version 1." in html
    assert sysadmin.display_name in html and "the platform" in html  # v2 by the admin, v1 shipped
    assert 'href="/workflow/upload/"' in html and 'href="/workflow/standard_case/upload/"' in html


def test_the_list_selector_reads_in_one_query(jianghai, django_assert_num_queries):
    process_definition_upload(actor=None, key="standard_case", name="", bpmn_xml=standard_v2_xml())
    with django_assert_num_queries(1):
        groups = selectors.process_definition_groups()
        standard = next(g for g in groups if g.key == "standard_case")
        versions = [(d.version, d.status, d.created_by, d.running) for d in standard.versions]
    assert versions == [(2, "draft", None, 0), (1, "published", None, 0)]
    assert standard.published.version == 1 and standard.latest.version == 2


def test_the_definition_page_shows_the_diagram_its_steps_and_user_tasks(admin_client):
    response = admin_client.get(V1)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-bpmn-viewer data-xml-url="/workflow/standard_case/v1/bpmn.xml"' in html
    assert "/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in html
    # The user tasks: id, name, role and days as the engine reads them.
    tasks = [(t.id, t.role, t.days) for t in response.context["user_tasks"]]
    assert tasks == [
        ("accept_step", "window_clerk", "5"),
        ("review_step", "approver", "10"),
        ("correction_step", "applicant", None),
        ("decide_step", "approver", "5"),
    ]
    assert "<code>accept_step</code>" in html and "Window clerk" in html
    # The steps as text, in the order a case meets them.
    steps = re.findall(r'<li class="bpmn-step bpmn-step-\w+">\s*([^<]+?)\s*<', html)
    assert steps[:3] == ["收件 Receive", "受理 Accept", "受理决定 Accepted?"]
    assert steps[-1] == "已办结 Concluded"
    # A published version offers no publish button.
    assert PUBLISH not in html and 'href="/workflow/standard_case/v1/edit/"' in html


def test_pages_load_no_inline_script_and_nothing_from_elsewhere(admin_client):
    for path in (LIST, V1, EDIT, UPLOAD, PUBLISH):
        html = admin_client.get(path).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert ' src="/static/' in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r'<(?:script|link)\b[^>]*(?:src|href)="(?:https?:)?//', html), path
        assert " style=" not in html and "<style" not in html, path
        assert not re.search(r"\son[a-z]+=", html), path


def test_the_xml_view_serves_the_stored_text_as_xml(admin_client):
    response = admin_client.get(XML)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content.decode("utf-8") == STANDARD
    assert response["Content-Disposition"].startswith("inline;")
    assert "sandbox" in response["Content-Security-Policy"]  # opened directly, it cannot run anything
    assert "private" in response["Cache-Control"]
    download = admin_client.get(XML, {"download": "1"})
    assert download["Content-Disposition"] == 'attachment; filename="standard_case-v1.bpmn"'


def test_definition_steps_follow_the_flows_and_read_roles_from_lanes(db):
    lanes = (
        '<bpmn:laneSet id="lanes"><bpmn:lane id="l1" name="approver">'
        "<bpmn:flowNodeRef>b</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
    )
    body = "\n".join(
        [
            lanes,
            '<bpmn:endEvent id="end" />',
            user_task("b", role=None, days="review_days"),
            user_task("a", role="window_clerk", fields='<camunda:formField id="x" label="X" type="string" />'),
            '<bpmn:startEvent id="start" />',
            '<bpmn:task id="orphan" name="Orphan" />',
            flow("f1", "start", "a"),
            flow("f2", "a", "b"),
            flow("f3", "b", "end"),
        ]
    )
    steps = definition_steps(bpmn(body), "p")
    assert [(s.id, s.kind) for s in steps] == [
        ("start", "start"),
        ("a", "user_task"),
        ("b", "user_task"),
        ("end", "end"),
        ("orphan", "milestone"),
    ]
    a, b = steps[1], steps[2]
    assert (a.role, a.days, a.fields, a.role_label) == ("window_clerk", None, ("X",), "Window clerk")
    assert (b.role, b.days) == ("approver", "review_days")
    assert definition_steps(bpmn(body), "other") == []


# --- The diagram include --------------------------------------------------------------------------


def test_the_diagram_include_marks_active_and_done_steps(standard):
    steps = selectors.process_definition_steps(definition=standard)
    html = render_to_string(
        "workflow/_diagram.html",
        {
            "diagram_xml_url": "/cases/1/diagram.xml",
            "active_ids": ["review_step"],
            "done_ids": ["receive", "accept_step"],
            "steps": steps,
            "diagram_id": "case-1",
        },
    )
    assert 'data-xml-url="/cases/1/diagram.xml"' in html
    assert '<script id="case-1-active" type="application/json">["review_step"]</script>' in html
    assert '<script id="case-1-done" type="application/json">["receive", "accept_step"]</script>' in html
    assert 'data-active-ids="case-1-active" data-done-ids="case-1-done"' in html
    assert re.search(r'bpmn-step-user_task is-active">\s*审查 Review', html)
    assert re.search(r'bpmn-step-user_task is-done">\s*受理 Accept', html)
    assert html.count("is-active") == 1 and html.count("is-done") == 2
    assert "bpmn-legend" in html


def test_the_diagram_include_works_with_only_a_url(jianghai):
    html = render_to_string("workflow/_diagram.html", {"diagram_xml_url": XML})
    assert 'id="diagram-active" type="application/json"' in html and "data-bpmn-steps" in html
    assert "is-active" not in html and "bpmn-legend" not in html


# --- Uploading a new version ----------------------------------------------------------------------


def test_a_good_file_becomes_draft_version_2(admin_client, sysadmin):
    response = admin_client.post(UPLOAD, {"name": "", "file": bpmn_file(standard_v2_xml())})
    assert response.status_code == 302 and response.url == "/workflow/standard_case/v2/"
    v2 = ProcessDefinition.objects.get(key="standard_case", version=2)
    assert (v2.status, v2.created_by, v2.process_id, v2.name) == (
        "draft",
        sysadmin,
        "standard_case",
        "标准办件流程 Standard case",
    )
    assert 'value="8"' in v2.bpmn_xml
    assert AuditEvent.objects.filter(action="workflow.definition_upload", actor=sysadmin).exists()
    page = admin_client.get(response.url).content.decode()
    assert "Version 2 of standard_case is saved as a draft." in page
    assert 'href="/workflow/standard_case/v2/publish/"' in page


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("<bpmn:definitions><unclosed>", "broken.bpmn", "The file is not well-formed XML"),
        (bpmn('<bpmn:endEvent id="end" />', process_id="standard_case"), "nostart.bpmn", "has no start event"),
        ("<?xml version='1.0' encoding='GBK'?><x>标准办件</x>".encode("gbk"), "gbk.bpmn", "is not UTF-8 text"),
        (b"<x>" + b" " * MAX_BYTES + b"</x>", "big.bpmn", "larger than 1 MB"),
        (STANDARD, "process.txt", "Upload a .bpmn or .xml file."),
        (bpmn(linear(user_task("s", role="mayor")), process_id="standard_case"), "role.xml", 'unknown role "mayor"'),
        (bpmn(linear(user_task("s")), process_id="other"), "other.bpmn", 'no process with id "standard_case"'),
    ],
    ids=["malformed", "no-start-event", "not-utf8", "oversized", "extension", "unknown-role", "wrong-process"],
)
def test_a_bad_file_is_refused_with_a_clear_error_and_nothing_is_written(admin_client, content, name, message):
    before = snapshot()
    response = admin_client.post(UPLOAD, {"file": bpmn_file(content, name)})
    assert response.status_code == 200
    assert message in errors_of(response)
    assert message in html_lib.unescape(response.content.decode())  # shown on the page, beside the file field
    assert snapshot() == before


def test_a_new_process_key_starts_at_version_1(admin_client):
    xml = bpmn(linear(user_task("review_step", days="3")), process_id="food_flow")
    response = admin_client.post(
        NEW, {"key": "food", "process_id": "food_flow", "name": "食品", "file": bpmn_file(xml)}
    )
    assert response.status_code == 302 and response.url == "/workflow/food/v1/"
    food = ProcessDefinition.objects.get(key="food")
    assert (food.version, food.status, food.process_id, food.name) == (1, "draft", "food_flow", "食品")


def test_a_new_process_may_not_take_an_existing_key_or_a_bad_one(admin_client):
    before = snapshot()
    taken = admin_client.post(NEW, {"key": "standard_case", "file": bpmn_file(STANDARD)})
    assert "This key exists already" in errors_of(taken)
    bad = admin_client.post(NEW, {"key": "Bad Key", "file": bpmn_file(STANDARD)})
    assert "lowercase letters" in errors_of(bad)
    assert snapshot() == before


# --- Publishing -----------------------------------------------------------------------------------


def test_publishing_a_draft_retires_the_published_version(admin_client, sysadmin):
    v2 = process_definition_upload(actor=sysadmin, key="standard_case", name="", bpmn_xml=standard_v2_xml())
    confirm = admin_client.get("/workflow/standard_case/v2/publish/").content.decode()
    assert "Version 1, published now, will be retired." in confirm and 'method="post"' in confirm
    assert ProcessDefinition.objects.get(pk=v2.pk).status == "draft"  # a GET changes nothing
    response = admin_client.post("/workflow/standard_case/v2/publish/")
    assert response.status_code == 302 and response.url == "/workflow/standard_case/v2/"
    statuses = dict(ProcessDefinition.objects.filter(key="standard_case").values_list("version", "status"))
    assert statuses == {1: "retired", 2: "published"}
    event = AuditEvent.objects.filter(action="workflow.definition_publish").latest("seq")
    assert event.actor == sysadmin and event.summary["retired"] == [1]
    assert "is published: new cases start on it." in admin_client.get(response.url).content.decode()


def test_only_a_draft_can_be_published(admin_client):
    before = snapshot()
    assert "Only a draft can be published" in admin_client.get(PUBLISH).content.decode()
    response = admin_client.post(PUBLISH, follow=True)
    assert "Only a draft can be published" in response.content.decode()
    assert snapshot() == before


# --- The modeler ----------------------------------------------------------------------------------


def test_the_edit_page_loads_the_modeler_on_the_versions_xml(admin_client):
    response = admin_client.get(EDIT)
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/vendor/bpmn-js/bpmn-modeler.production.min.js" in html
    assert 'data-moddle-url="/static/vendor/camunda-bpmn-moddle/camunda.json"' in html
    assert response.context["form"]["bpmn_xml"].value() == STANDARD
    assert '<script id="modeler-config" type="application/json">' in html
    roles = {r["value"] for r in response.context["modeler_config"]["roles"]}
    assert {"window_clerk", "approver", "applicant"} <= roles


def test_saving_the_modelers_xml_makes_a_new_draft(admin_client, sysadmin):
    response = admin_client.post(EDIT, {"bpmn_xml": standard_v2_xml()})
    assert response.status_code == 302 and response.url == "/workflow/standard_case/v2/"
    v2 = ProcessDefinition.objects.get(key="standard_case", version=2)
    assert v2.status == "draft" and v2.created_by == sysadmin and 'value="8"' in v2.bpmn_xml
    assert ProcessDefinition.objects.get(key="standard_case", version=1).status == "published"


def test_an_invalid_edit_is_shown_again_and_nothing_is_written(admin_client):
    before = snapshot()
    broken = STANDARD.replace('<camunda:property name="role" value="approver" />', "", 1)
    response = admin_client.post(EDIT, {"bpmn_xml": broken})
    assert response.status_code == 200
    assert "has no role" in errors_of(response)
    html = response.content.decode()
    assert 'role="alert"' in html and "has no role" in html
    assert response.context["form"]["bpmn_xml"].value() == broken  # the person's work is kept
    assert snapshot() == before
