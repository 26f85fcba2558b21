"""The decision-table console (/workflow/decisions/): who may use it, what the pages show, uploads,
edits and publishing of tables, and the auditors' decision records with their replay.

Pages are rendered in the default language (zh-hans), so the assertions look for data (keys, rule
descriptions, cell texts) rather than English words.
"""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from dgov.accounts.models import Department, User
from dgov.audit.models import AuditEvent
from dgov.core.errors import ApplicationError
from dgov.workflow import decisions, selectors
from dgov.workflow.decisions import DECISION_DIR, decision_definition_publish, decision_definition_upload
from dgov.workflow.models import DecisionDefinition, DecisionRecord, ProcessInstance
from dgov.workflow.services import process_start

KEY = "gaoling_jintie"
LIST = "/workflow/decisions/"
UPLOAD = "/workflow/decisions/upload/"
V1 = f"/workflow/decisions/{KEY}/v1/"
V2 = f"/workflow/decisions/{KEY}/v2/"
XML = f"/workflow/decisions/{KEY}/v1/dmn.xml"
EDIT = f"/workflow/decisions/{KEY}/v1/edit/"
PUBLISH_V1 = f"/workflow/decisions/{KEY}/v1/publish/"
PUBLISH_V2 = f"/workflow/decisions/{KEY}/v2/publish/"
RECORDS = "/workflow/decisions/records/"
TABLE_PAGES = [LIST, UPLOAD, V1, XML, EDIT]

SHIPPED = (DECISION_DIR / f"{KEY}.dmn").read_text(encoding="utf-8")
RULE_1 = "年满80周岁且具有本区户籍，符合高龄津贴申领条件。"
RULE_3 = "年满80周岁但户籍不在本区，由工作人员核实户籍情况。"


def shipped_v2() -> str:
    """The shipped table with the age limit lowered to 75: a valid next version."""
    text = SHIPPED.replace("<text>&gt;= 80</text>", "<text>&gt;= 75</text>").replace(
        "<text>&lt; 80</text>", "<text>&lt; 75</text>"
    )
    assert text != SHIPPED
    return text


def overlapping() -> str:
    """The shipped table with rule 2 widened to every age: rules 1 and 2 both match an 85-year-old."""
    text = SHIPPED.replace("<text>&lt; 80</text>", "<text>-</text>")
    assert text != SHIPPED
    return text


def dmn_file(content: str, name: str = "table.dmn") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="application/xml")


def page(response: Any) -> str:
    return html_lib.unescape(response.content.decode())


def snapshot() -> tuple[int, int]:
    return DecisionDefinition.objects.count(), AuditEvent.objects.filter(action__startswith="workflow.decision").count()


@pytest.fixture
def tables(jianghai: None) -> None:
    """The shipped decision tables, each published as version 1."""
    decisions.decision_definitions_load_shipped(actor=None)


@pytest.fixture
def admin_client(tables: None, sysadmin: User, login: Any) -> Client:
    client: Client = login(sysadmin)
    return client


@pytest.fixture
def auditor_client(tables: None, auditor: User, login: Any) -> Client:
    client: Client = login(auditor)
    return client


@pytest.fixture
def decided(tables: None, citizen: User) -> DecisionRecord:
    """An instant case whose rules step evaluated the allowance table (85, registered here: approve)."""
    instance = process_start(
        actor=citizen,
        definition_key="instant_case",
        subject_type="tests.case",
        subject_id="J-42",
        department=Department.objects.get(code="mzj"),
        data={"decision_key": KEY},
        applicant=citizen,
        decision_context={"applicant": {"age": 85, "registered_in_district": True}},
    )
    return DecisionRecord.objects.get(instance=instance, key=KEY)


# --- Who may use the console --------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(tables, client):
    for path in [*TABLE_PAGES, RECORDS]:
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), path


@pytest.mark.parametrize("username", ["citizen", "approver", "auditor"])
def test_people_without_the_permission_cannot_use_the_table_pages(tables, login, username):
    client = login(User.objects.get(username=username))
    for path in TABLE_PAGES:
        assert client.get(path).status_code == 403, path
    before = snapshot()
    assert client.post(UPLOAD, {"dmn_xml": shipped_v2()}).status_code == 403
    assert client.post(EDIT, {"dmn_xml": shipped_v2()}).status_code == 403
    assert client.post(PUBLISH_V1).status_code == 403
    assert snapshot() == before
    denied = AuditEvent.objects.filter(action="access.denied", actor_label=username).latest("seq")
    assert denied.summary["perm"] == "workflow.definitions.manage"


@pytest.mark.parametrize("username", ["citizen", "approver", "clerk"])
def test_people_who_are_not_auditors_cannot_read_decision_records(decided, login, username):
    client = login(User.objects.get(username=username))
    assert client.get(RECORDS).status_code == 403
    assert client.get(f"{RECORDS}{decided.pk}/").status_code == 403
    assert client.post(f"{RECORDS}{decided.pk}/").status_code == 403
    assert not AuditEvent.objects.filter(action__in=["workflow.decision_read", "workflow.decision_replay"]).exists()
    denied = AuditEvent.objects.filter(action="access.denied", actor_label=username).latest("seq")
    assert denied.summary["path"] == f"{RECORDS}{decided.pk}/"


def test_the_record_selectors_check_the_reader(decided, citizen, auditor, sysadmin):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        selectors.decision_records_for_auditor(user=citizen)
    with pytest.raises(PermissionDenied):
        selectors.decision_record_get_for_auditor(user=citizen, pk=decided.pk)
    assert list(selectors.decision_records_for_auditor(user=auditor)) == [decided]
    assert list(selectors.decision_records_for_auditor(user=sysadmin, key=KEY, status="decided")) == [decided]
    assert list(selectors.decision_records_for_auditor(user=auditor, status="no_match")) == []


def test_unknown_tables_and_records_are_not_found(admin_client):
    for path in (f"/workflow/decisions/{KEY}/v9/", "/workflow/decisions/nothing/v1/dmn.xml", f"{RECORDS}999999/"):
        assert admin_client.get(path).status_code == 404, path


# --- Reading tables -----------------------------------------------------------------------------


def test_the_list_shows_each_table_with_its_published_and_latest_version(admin_client, sysadmin):
    decision_definition_upload(actor=sysadmin, dmn_xml=shipped_v2())
    response = admin_client.get(LIST)
    html = page(response)
    assert response.status_code == 200
    group = next(g for g in response.context["groups"] if g.key == KEY)
    assert (group.published.version, group.latest.version, group.latest.status) == (1, 2, "draft")
    assert f"<code>{KEY}</code>" in html and "高龄津贴申领规则" in html
    assert f'href="{V1}"' in html and f'href="{V2}"' in html
    assert "<code>jiuye_zheng</code>" in html  # every shipped table is listed
    assert f'href="{UPLOAD}"' in html and f'href="{RECORDS}"' in html


def test_the_list_selector_reads_in_one_query_and_counts_the_decisions(decided, django_assert_num_queries):
    decision_definition_upload(actor=None, dmn_xml=shipped_v2())
    with django_assert_num_queries(1):
        groups = selectors.decision_definition_groups()
        group = next(g for g in groups if g.key == KEY)
        versions = [(d.version, d.status, d.used) for d in group.versions]
    assert versions == [(2, "draft", 0), (1, "published", 1)]
    assert group.used == 1
    assert [v.used for v in selectors.decision_definition_versions(key=KEY)] == [0, 1]


def test_the_version_page_shows_the_table_as_html(admin_client):
    response = admin_client.get(V1)
    html = page(response)
    assert response.status_code == 200
    table = response.context["table"]
    assert (table.decision_id, table.hit_policy) == (KEY, "UNIQUE")
    assert '<span class="dmn-hit">UNIQUE</span>' in html
    # The inputs with their expressions and types, the output, then every rule with its cells.
    assert '<code class="dmn-col-expr">applicant.age</code><span class="dmn-col-type">number</span>' in html
    assert '<code class="dmn-col-expr">applicant.registered_in_district</code>' in html
    assert '<code class="dmn-col-expr">decision</code>' in html
    rows = re.findall(r'<tr>\s*<th scope="row">(\d+)</th>(.*?)</tr>', html, re.S)
    assert [n for n, _ in rows[:3]] == ["1", "2", "3"]
    assert "<code>>= 80</code>" in rows[0][1] and "<code>true</code>" in rows[0][1]
    assert '<code>"approve"</code>' in rows[0][1] and RULE_1 in rows[0][1]
    assert "<code>< 80</code>" in rows[1][1] and 'class="dmn-any"' in rows[1][1]
    assert RULE_3 in rows[2][1] and '<code>"refer"</code>' in rows[2][1]
    # The dmn-js viewer: hidden until the script shows it, fed by the XML view.
    assert f'data-dmn-viewer data-xml-url="{XML}"' in html
    assert "/static/vendor/dmn-js/dmn-viewer.production.min.js" in html
    assert "/static/workflow/decisions.js" in html
    # A published version has no publish button; it can be edited as a new version.
    assert PUBLISH_V1 not in html and f'href="{EDIT}"' in html and f'href="{XML}?download=1"' in html


def test_pages_load_no_inline_script_and_nothing_from_elsewhere(admin_client, decided, auditor_client):
    pages = [(admin_client, p) for p in (LIST, UPLOAD, V1, EDIT)]
    pages += [(auditor_client, RECORDS), (auditor_client, f"{RECORDS}{decided.pk}/")]
    for client, path in pages:
        html = client.get(path).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert ' src="/static/' in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r'<(?:script|link)\b[^>]*(?:src|href)="(?:https?:)?//', html), path
        assert " style=" not in html and "<style" not in html, path
        assert not re.search(r"\son[a-z]+=", html), path


def test_the_xml_view_serves_the_stored_text(admin_client):
    response = admin_client.get(XML)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content.decode("utf-8") == SHIPPED
    assert "sandbox" in response["Content-Security-Policy"]
    download = admin_client.get(XML, {"download": "1"})
    assert download["Content-Disposition"] == f'attachment; filename="{KEY}-v1.dmn"'


# --- Uploading, editing, publishing -------------------------------------------------------------


def test_uploading_a_valid_table_makes_a_draft_version_2(admin_client, sysadmin):
    response = admin_client.post(UPLOAD, {"key": KEY, "file": dmn_file(shipped_v2())})
    assert response.status_code == 302 and response.url == V2
    v1, v2 = DecisionDefinition.objects.filter(key=KEY).order_by("version")
    assert (v2.version, v2.status, v2.created_by, v2.dmn_xml) == (2, "draft", sysadmin, shipped_v2())
    assert v1.status == "published"  # nothing changes for cases until v2 is published
    html = page(admin_client.get(V2))
    assert "<code>>= 75</code>" in html and PUBLISH_V2 in html


def test_pasted_xml_of_a_new_decision_is_version_1_of_its_own_key(admin_client):
    text = SHIPPED.replace(f'id="{KEY}"', 'id="gaoling_test"').replace("高龄津贴申领规则", "测试规则")
    response = admin_client.post(UPLOAD, {"dmn_xml": text})
    assert response.status_code == 302 and response.url == "/workflow/decisions/gaoling_test/v1/"
    created = DecisionDefinition.objects.get(key="gaoling_test")
    assert (created.version, created.status, created.name) == (1, "draft", "测试规则")


def test_an_upload_with_overlapping_unique_rules_is_refused_with_the_message_and_nothing_stored(admin_client):
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as refusal:
        decisions.check_table(overlapping())
    expected = refusal.value.field_errors["dmn_xml"]
    assert "1" in expected[0] and "2" in expected[0]  # rules 1 and 2 (and 2 and 3)
    before = snapshot()
    for data in ({"file": dmn_file(overlapping())}, {"dmn_xml": overlapping()}):
        response = admin_client.post(UPLOAD, data)
        assert response.status_code == 200
        field = "file" if "file" in data else "dmn_xml"
        assert response.context["form"].errors[field] == expected
        assert all(message in page(response) for message in expected)
    assert snapshot() == before


def test_an_upload_whose_decision_id_is_not_the_key_given_is_refused(admin_client):
    before = snapshot()
    response = admin_client.post(UPLOAD, {"key": "other_key", "dmn_xml": shipped_v2()})
    assert response.status_code == 200
    assert any("other_key" in e for e in response.context["form"].errors["dmn_xml"])
    assert snapshot() == before


def test_the_upload_form_wants_one_file_or_pasted_xml(admin_client):
    before = snapshot()
    assert admin_client.post(UPLOAD, {"key": ""}).context["form"].non_field_errors()
    both = admin_client.post(UPLOAD, {"file": dmn_file(shipped_v2()), "dmn_xml": shipped_v2()})
    assert both.context["form"].non_field_errors()
    wrong = admin_client.post(UPLOAD, {"file": dmn_file(shipped_v2(), name="table.txt")})
    assert wrong.context["form"].errors["file"]
    assert snapshot() == before


def test_the_upload_page_takes_the_key_from_the_link(admin_client):
    response = admin_client.get(UPLOAD, {"key": KEY})
    assert response.context["form"]["key"].value() == KEY


def test_the_edit_page_opens_the_modeler_and_saving_makes_a_new_draft(admin_client):
    response = admin_client.get(EDIT)
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/vendor/dmn-js/dmn-modeler.production.min.js" in html
    assert "dmn-viewer.production.min.js" not in html  # both bundles define window.DmnJS
    assert response.context["form"]["dmn_xml"].value() == SHIPPED
    saved = admin_client.post(EDIT, {"dmn_xml": shipped_v2()})
    assert saved.status_code == 302 and saved.url == V2
    assert DecisionDefinition.objects.get(key=KEY, version=2).status == "draft"


def test_saving_an_edited_table_that_breaks_a_rule_stores_nothing(admin_client):
    before = snapshot()
    renamed = shipped_v2().replace(f'id="{KEY}"', 'id="renamed"')
    for text in (overlapping(), renamed, "<definitions/>"):
        response = admin_client.post(EDIT, {"dmn_xml": text})
        assert response.status_code == 200
        assert response.context["form"].errors["dmn_xml"], text[:40]
        assert response.context["form"]["dmn_xml"].value() == text  # the person's XML is kept
    assert snapshot() == before


def test_publishing_a_draft_retires_the_published_version(admin_client, sysadmin):
    decision_definition_upload(actor=sysadmin, dmn_xml=shipped_v2())
    assert admin_client.get(PUBLISH_V2).status_code == 405  # publishing is a POST from the version page
    response = admin_client.post(PUBLISH_V2)
    assert response.status_code == 302 and response.url == V2
    v1, v2 = DecisionDefinition.objects.filter(key=KEY).order_by("version")
    assert (v1.status, v2.status) == ("retired", "published")
    assert v1.retired_at is not None and v2.published_at == v1.retired_at
    event = AuditEvent.objects.filter(action="workflow.decision_publish").latest("seq")
    assert event.summary["retired"] == [1] and event.actor_label == "admin"
    # Publishing again is refused with a message; nothing changes.
    again = admin_client.post(PUBLISH_V2, follow=True)
    assert [m.level_tag for m in again.context["messages"]][-1] == "error"
    assert DecisionDefinition.objects.get(key=KEY, version=2).status == "published"


def test_a_new_version_applies_to_new_cases_only(decided, sysadmin, citizen):
    v2 = decision_definition_upload(actor=sysadmin, dmn_xml=shipped_v2())
    decision_definition_publish(actor=sysadmin, definition=v2)
    later = process_start(
        actor=citizen,
        definition_key="instant_case",
        subject_type="tests.case",
        subject_id="J-43",
        department=Department.objects.get(code="mzj"),
        data={"decision_key": KEY},
        applicant=citizen,
        decision_context={"applicant": {"age": 77, "registered_in_district": True}},
    )
    assert decided.definition.version == 1
    assert DecisionRecord.objects.get(instance=later).definition == v2


# --- Decision records ---------------------------------------------------------------------------


def test_the_records_page_lists_a_decision_for_the_auditor(decided, auditor_client):
    response = auditor_client.get(RECORDS)
    html = page(response)
    assert response.status_code == 200
    assert list(response.context["page"]) == [decided]
    assert "tests.case <code>J-42</code>" in html
    assert f"<code>{KEY}</code>" in html
    assert "<code>decision</code> = approve" in html
    assert f'href="{RECORDS}{decided.pk}/"' in html
    # Filters by table and status.
    assert list(auditor_client.get(RECORDS, {"status": "no_match"}).context["page"]) == []
    assert list(auditor_client.get(RECORDS, {"key": KEY, "status": "decided"}).context["page"]) == [decided]
    # A value that is not offered filters nothing rather than failing.
    assert list(auditor_client.get(RECORDS, {"status": "bogus"}).context["page"]) == [decided]


def test_the_system_administrator_may_read_the_records_too(decided, admin_client):
    assert admin_client.get(RECORDS).status_code == 200
    response = admin_client.get(f"{RECORDS}{decided.pk}/")
    assert f'href="{V1}"' in response.content.decode()  # a definitions manager may open the table


def test_the_record_page_shows_the_inputs_and_the_matched_rule_and_is_recorded(decided, auditor_client):
    response = auditor_client.get(f"{RECORDS}{decided.pk}/")
    html = page(response)
    assert response.status_code == 200
    assert response.context["inputs"] == [
        ("年龄（人口库）", "applicant.age", "85"),
        ("本区户籍（人口库）", "applicant.registered_in_district", "true"),
    ]
    assert "<code>applicant.age</code></td><td>85</td>" in html
    assert RULE_1 in html and "<code>J-42</code>" in html
    assert f'href="{V1}"' not in html  # the auditor does not manage tables
    event = AuditEvent.objects.filter(action="workflow.decision_read").latest("seq")
    assert (event.actor_label, event.target_id) == ("auditor", str(decided.pk))


def test_a_replay_of_an_untouched_record_gives_the_same_outcome(decided, auditor_client):
    response = auditor_client.post(f"{RECORDS}{decided.pk}/")
    html = page(response)
    assert response.status_code == 200
    assert response.context["replay"].same is True
    assert 'class="dmn-verdict is-same"' in html and "is-different" not in html
    assert response.context["replayed"] == response.context["recorded"]
    event = AuditEvent.objects.filter(action="workflow.decision_replay").latest("seq")
    assert event.summary["same"] is True and event.target_id == str(decided.pk)


def test_a_replay_of_a_tampered_record_shows_both_outcomes(decided, auditor_client):
    DecisionRecord.objects.filter(pk=decided.pk).update(outputs={"decision": "reject"})
    response = auditor_client.post(f"{RECORDS}{decided.pk}/")
    html = page(response)
    assert response.context["replay"].same is False
    assert 'class="dmn-verdict is-different"' in html
    recorded, replayed = response.context["recorded"], response.context["replayed"]
    assert recorded.outputs == [("decision", "reject")] and replayed.outputs == [("decision", "approve")]
    assert "<code>decision</code> = reject" in html and "<code>decision</code> = approve" in html
    assert 'class="dmn-changed"' in html
    event = AuditEvent.objects.filter(action="workflow.decision_replay").latest("seq")
    assert event.summary["same"] is False


# --- Links to the console -----------------------------------------------------------------------


def test_the_consoles_link_to_the_decision_pages(admin_client, auditor_client):
    assert f'href="{LIST}"' in admin_client.get("/workflow/").content.decode()
    assert f'href="{LIST}"' in admin_client.get("/admin/").content.decode()
    assert f'href="{RECORDS}"' in auditor_client.get("/accounts/audit/").content.decode()


def test_no_instance_is_left_running_by_an_approving_table(decided):
    instance = ProcessInstance.objects.get(pk=decided.instance_id)
    assert decided.status == "decided" and decided.matched == [1] and decided.outputs == {"decision": "approve"}
    assert instance.status == ProcessInstance.Status.COMPLETED
