"""Instant approval (秒批): published rules decide in the submitting request; anything else goes to
a person who sees why; every decision keeps a trace that replays; registry reads are logged."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dgov.accounts.models import User
from dgov.accounts.services import user_create
from dgov.cases import services
from dgov.cases.models import Case, CaseEvent
from dgov.cases.tests.conftest import pdf, signature_for, signature_post
from dgov.catalog.models import ServiceItem
from dgov.notices.models import Notice
from dgov.registries.models import RegistryRead
from dgov.workflow.decisions import (
    DECISION_DIR,
    decision_definition_publish,
    decision_definition_upload,
    decision_replay,
)
from dgov.workflow.models import DecisionRecord, Task

ELDER_ID = "440704193806181023"  # 梁桂英, 88, household in Jianghai (registries demo)
OUTSIDE_ID = "440703194311051225"  # 欧阳秀珍, 83, household in 蓬江区
UNKNOWN_ID = "440704193001010016"  # valid, in no registry


def person(username: str, id_number: str, name: str) -> User:
    return user_create(
        actor=None,
        username=username,
        password="Applicant-pass-2025!",
        kind=User.Kind.CITIZEN,
        real_name=name,
        id_number=id_number,
        phone="13800000000",
    )


def item(name: str) -> ServiceItem:
    return ServiceItem.objects.get(name=name, status=ServiceItem.Status.PUBLISHED)


def uploads(it: ServiceItem) -> dict[int, list]:
    return {m.pk: [pdf()] for m in it.materials.all() if services.material_needs_upload(m)}


def apply(applicant: User, item_name: str, **form: Any) -> Case:
    it = item(item_name)
    data = {**services.prefill_for(applicant, it.form_schema), "address": "江海区（示例）", **form}
    return services.case_submit(
        actor=applicant, item=it, data=data, uploads=uploads(it), signature=signature_for(applicant, it)
    )


ALLOWANCE = {"birth_date": "1938-06-18", "bank_account": "6222000000000000"}


@pytest.fixture
def elder(jianghai: None) -> User:
    return person("elder", ELDER_ID, "梁桂英")


def test_an_eligible_elder_is_approved_in_the_same_request(elder):
    case = apply(elder, "高龄津贴申领", **ALLOWANCE)
    case.refresh_from_db()
    assert (case.status, case.result) == (Case.Status.CONCLUDED, Case.Result.APPROVED)
    assert case.ended_at is not None
    assert not Task.objects.filter(instance=case.instance).exists()  # no human step at all
    kinds = list(case.events.values_list("kind", flat=True))
    assert CaseEvent.Kind.RULES_APPROVED in kinds and CaseEvent.Kind.CONCLUDED in kinds
    (decision,) = DecisionRecord.objects.filter(instance=case.instance)
    assert decision.status == "decided" and decision.matched == [1]
    assert decision.outputs == {"decision": "approve"}
    assert decision.inputs == {"applicant.age": 88, "applicant.registered_in_district": True}
    assert decision.definition.key == "gaoling_jintie"
    # The applicant is told once: the approval is the whole story (no separate receipt notice).
    (notice,) = Notice.objects.filter(recipient=elder)
    assert case.number in notice.subject and case.number in notice.body


def test_only_the_fields_the_table_reads_are_taken_from_the_registry_and_the_read_is_logged(elder):
    case = apply(elder, "高龄津贴申领", **ALLOWANCE)
    reads = RegistryRead.objects.filter(case_number=case.number)
    # The table's read takes only what the table reads; the 居民户口簿 material is read on its own (免提交).
    assert sorted(sorted(r.fields) for r in reads) == [
        ["person.age", "person.registered_in_district"],
        ["person.household"],
    ]
    (read,) = [r for r in reads if "person.household" not in r.fields]
    assert read.person.name.startswith("梁桂英")


def test_the_applicant_sees_the_grounds_and_the_staff_see_the_rules(elder, login, jianghai):
    case = apply(elder, "高龄津贴申领", **ALLOWANCE)
    html = login(elder).get(f"/cases/mine/{case.pk}/").content.decode()
    assert "年满80周岁且具有本区户籍" in html  # the matched rule's words
    assert "高龄津贴申领规则" in html
    staff = User.objects.get(username="leader")
    page = login(staff).get(f"/cases/staff/{case.pk}/")
    if page.status_code == 200:
        assert "年满80周岁且具有本区户籍" in page.content.decode()


def test_a_rule_that_rejects_goes_to_a_person_who_sees_why(citizen, login):
    case = apply(citizen, "高龄津贴申领", birth_date="1956-03-12", bank_account="6222000000000001")
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED and case.result == ""
    (task,) = Task.objects.filter(instance=case.instance, state=Task.State.READY)
    assert task.spec_id == "accept_step"
    assert CaseEvent.Kind.RULES_REFERRED in case.events.values_list("kind", flat=True)
    (decision,) = DecisionRecord.objects.filter(instance=case.instance)
    assert decision.outputs == {"decision": "reject"} and decision.matched == [2]
    html = login(citizen).get(f"/cases/mine/{case.pk}/").content.decode()
    assert "未满80周岁" in html


def test_someone_outside_the_district_is_referred(jianghai):
    outsider = person("outside", OUTSIDE_ID, "欧阳秀珍")
    case = apply(outsider, "高龄津贴申领", birth_date="1943-11-05", bank_account="6222000000000002")
    decision = DecisionRecord.objects.get(instance=case.instance)
    assert decision.outputs == {"decision": "refer"}
    assert Case.objects.get(pk=case.pk).status == Case.Status.SUBMITTED


def test_missing_registry_data_goes_to_a_person_with_the_missing_inputs_named(jianghai, login):
    stranger = person("stranger", UNKNOWN_ID, "王无档")
    case = apply(stranger, "高龄津贴申领", birth_date="1930-01-01", bank_account="6222000000000003")
    decision = DecisionRecord.objects.get(instance=case.instance)
    assert decision.status == "missing_input"
    assert decision.detail == ["年龄（人口库）", "本区户籍（人口库）"]
    assert Case.objects.get(pk=case.pk).status == Case.Status.SUBMITTED
    html = login(stranger).get(f"/cases/mine/{case.pk}/").content.decode()
    assert "年龄（人口库）" in html
    # Nothing was read from a registry that has no record: no read is logged for it.
    assert not RegistryRead.objects.filter(case_number=case.number).exists()


def test_the_recorded_decision_replays_to_the_same_outcome(elder):
    case = apply(elder, "高龄津贴申领", **ALLOWANCE)
    decision = DecisionRecord.objects.get(instance=case.instance)
    assert decision_replay(decision=decision).same
    DecisionRecord.objects.filter(pk=decision.pk).update(outputs={"decision": "reject"})
    decision.refresh_from_db()
    assert not decision_replay(decision=decision).same


def test_a_changed_table_applies_to_new_cases_only(elder, sysadmin):
    first = apply(elder, "高龄津贴申领", **ALLOWANCE)
    text = (DECISION_DIR / "gaoling_jintie.dmn").read_text(encoding="utf-8")
    # Version 2 raises the age to 90 (rule 1) and lowers the refusal below it (rule 2).
    stricter = text.replace("&gt;= 80", "&gt;= 90").replace("&lt; 80", "&lt; 90")
    assert stricter != text
    v2 = decision_definition_upload(actor=sysadmin, dmn_xml=stricter)
    decision_definition_publish(actor=sysadmin, definition=v2)
    second = apply(elder, "高龄津贴申领", **ALLOWANCE)
    old = DecisionRecord.objects.get(instance=first.instance)
    new = DecisionRecord.objects.get(instance=second.instance)
    assert (old.definition.version, old.outputs) == (1, {"decision": "approve"})
    assert (new.definition.version, new.outputs) == (2, {"decision": "reject"})
    assert Case.objects.get(pk=first.pk).result == Case.Result.APPROVED
    assert Case.objects.get(pk=second.pk).status == Case.Status.SUBMITTED
    assert decision_replay(decision=old).same and decision_replay(decision=new).same


def test_an_individual_business_is_registered_and_its_licence_signed(citizen, django_capture_on_commit_callbacks):
    from dgov.licences.demo import load_demo_licences

    load_demo_licences()
    with django_capture_on_commit_callbacks(execute=True):
        case = apply(
            citizen,
            "个体工商户设立登记",
            trade_name="江海区陈记百货店（示例）",
            premises="江海区外海街道兴业路 5 号（示例）",
            scope_category="日用百货零售",
            business_scope="日用百货零售",
            organisation="个人经营",
            capital=3,
        )
    case.refresh_from_db()
    assert (case.status, case.result) == (Case.Status.CONCLUDED, Case.Result.APPROVED)
    licence = case.licence  # issued after commit; eager without a broker
    assert licence.type.code == "business_licence"
    assert licence.signature
    assert CaseEvent.Kind.LICENCE_ISSUED in case.events.values_list("kind", flat=True)


BUSINESS = {
    "trade_name": "江海区陈记百货店（示例）",
    "premises": "江海区外海街道兴业路 5 号（示例）",
    "scope_category": "日用百货零售",
    "business_scope": "日用百货零售",
    "organisation": "个人经营",
    "capital": 3,
}


def test_the_approval_its_licence_and_their_timeline_are_one_transaction_in_order(citizen):
    from dgov.audit.models import AuditEvent
    from dgov.licences.demo import load_demo_licences

    load_demo_licences()
    case = apply(citizen, "个体工商户设立登记", **BUSINESS)
    case.refresh_from_db()
    assert (case.status, case.result) == (Case.Status.CONCLUDED, Case.Result.APPROVED)
    assert case.accepted_at == case.ended_at is not None
    kinds = list(case.events.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds[-3:] == [CaseEvent.Kind.RULES_APPROVED, CaseEvent.Kind.CONCLUDED, CaseEvent.Kind.LICENCE_ISSUED]
    issued = case.events.get(kind=CaseEvent.Kind.LICENCE_ISSUED)
    assert issued.public and issued.note == case.licence.identifier and issued.actor_label == case.licence.issuer.name
    actions = list(AuditEvent.objects.filter(seq__gt=0).order_by("-seq").values_list("action", flat=True)[:4])
    assert "licence.issue" in actions and "case.submit" in actions


def test_an_approval_whose_licence_cannot_be_signed_keeps_the_approval_and_writes_no_licence(citizen):
    """No usable seal: the licence is refused before anything of it is written (no serial number
    used, no licence row, no licence audit record); the approval stands and staff see why."""
    from dgov.audit.models import AuditEvent
    from dgov.licences.demo import load_demo_licences
    from dgov.licences.models import Licence, LicenceSequence, LicenceType, Seal
    from dgov.licences.services import seal_set_status

    load_demo_licences()
    issuer = LicenceType.objects.get(code="business_licence").issuer
    for seal in Seal.objects.filter(department=issuer, status=Seal.Status.ACTIVE):
        seal_set_status(actor=None, seal=seal, status=Seal.Status.SUSPENDED, reason="印章介质损坏，待重新制作")
    sequences = list(LicenceSequence.objects.values_list("prefix", "last"))
    case = apply(citizen, "个体工商户设立登记", **BUSINESS)
    case.refresh_from_db()
    assert (case.status, case.result) == (Case.Status.CONCLUDED, Case.Result.APPROVED)
    assert not Licence.objects.filter(case=case).exists()
    assert list(LicenceSequence.objects.values_list("prefix", "last")) == sequences
    assert not AuditEvent.objects.filter(action="licence.issue", summary__case=case.number).exists()
    pending = case.events.get(kind=CaseEvent.Kind.LICENCE_PENDING)
    assert not pending.public and issuer.name in pending.note
    assert not case.events.filter(kind=CaseEvent.Kind.LICENCE_ISSUED).exists()
    (notice,) = Notice.objects.filter(recipient=citizen, subject__contains=case.number)
    assert "电子证照将随后签发" in notice.body


def test_a_scope_needing_a_permit_goes_to_a_person(citizen):
    case = apply(
        citizen,
        "个体工商户设立登记",
        trade_name="江海区陈记小吃店（示例）",
        premises="江海区外海街道兴业路 7 号（示例）",
        scope_category="餐饮服务",
        business_scope="小吃服务",
        organisation="个人经营",
    )
    decision = DecisionRecord.objects.get(instance=case.instance)
    assert decision.outputs == {"decision": "refer"} and decision.matched == [2]
    assert Case.objects.get(pk=case.pk).status == Case.Status.SUBMITTED


def test_the_instant_path_answers_a_page_submission(elder, jianghai):
    client = Client()
    client.force_login(elder)
    it = item("高龄津贴申领")
    data = {**services.prefill_for(elder, it.form_schema), "address": "江海区（示例）", **ALLOWANCE}
    files = {f"material_{pk}": f[0] for pk, f in uploads(it).items()}
    response = client.post(f"/cases/apply/{it.code}/", {**data, **files, **signature_post(elder, it)})
    assert response.status_code == 302
    case = Case.objects.get(applicant=elder)
    assert case.status == Case.Status.CONCLUDED


# --- Credit checks (应查必查) -------------------------------------------------------------------


def list_person(id_number: str, name: str, list_kind: str, measures: list[str]) -> None:
    import datetime

    from dgov.accounts.models import Department
    from dgov.credit.services import credit_entry_create

    credit_entry_create(
        actor=None,
        department=Department.objects.get(code="fgj"),
        list_kind=list_kind,
        subject_kind="person",
        subject_key=id_number,
        subject_name=name,
        measures=measures,
        document_number="江海信用〔2026〕1号",
        reason="示例",
        valid_from=datetime.date(2026, 1, 1),
    )


def test_a_black_entry_sends_an_approving_decision_to_a_person_with_the_reason(elder, login):
    from dgov.credit.models import CreditCheck

    list_person(ELDER_ID, "梁桂英", "black", ["manual_review"])
    case = apply(elder, "高龄津贴申领", **ALLOWANCE)
    case.refresh_from_db()
    decision = DecisionRecord.objects.get(instance=case.instance)
    assert decision.outputs == {"decision": "approve"}  # the rules alone would approve
    assert case.status == Case.Status.SUBMITTED and case.result == ""
    (check,) = CreditCheck.objects.filter(case_number=case.number)
    assert check.result == "black"
    assert CaseEvent.Kind.CREDIT_CHECKED in case.events.values_list("kind", flat=True)
    html = login(elder).get(f"/cases/mine/{case.pk}/").content.decode()
    assert "人工" in html or "信用" in html


def test_every_check_is_recorded_with_the_case_even_when_clear(elder):
    from dgov.credit.models import CreditCheck

    case = apply(elder, "高龄津贴申领", **ALLOWANCE)
    (check,) = CreditCheck.objects.filter(case_number=case.number)
    assert check.result == "clear"
    assert check.item_code == case.item.code


def test_a_red_entry_lets_materials_follow_and_a_person_finishes_the_case(jianghai):
    enterprise = User.objects.get(username="enterprise")  # red list: tolerate_missing, fast_track (demo)
    from dgov.credit.demo import load_demo as load_demo_credit

    load_demo_credit()
    it = item("企业投资项目备案")
    data = {
        **services.prefill_for(enterprise, it.form_schema),
        "legal_representative": "李敏",
        "project_name": "星辉电子扩产项目（示例）",
        "location": "江海区高新区（示例）",
        "industry_category": "鼓励类",
        "investment": 5000,
        "content": "新增生产线两条（示例）",
    }
    with pytest.raises(Exception):
        services.case_submit(actor=User.objects.get(username="citizen"), item=it, data=data, uploads={})
    case = services.case_submit(actor=enterprise, item=it, data=data, uploads={})
    case.refresh_from_db()
    kinds = list(case.events.values_list("kind", flat=True))
    assert CaseEvent.Kind.TOLERATED in kinds
    assert case.status == Case.Status.SUBMITTED  # approved by the rules, but materials are owed
    assert DecisionRecord.objects.get(instance=case.instance).outputs == {"decision": "approve"}


def test_a_table_reading_a_field_the_registry_lacks_sends_cases_to_a_person(elder, sysadmin):
    text = (DECISION_DIR / "gaoling_jintie.dmn").read_text(encoding="utf-8")
    typo = text.replace("applicant.registered_in_district", "applicant.registered_in_distrct")
    v2 = decision_definition_upload(actor=sysadmin, dmn_xml=typo)
    decision_definition_publish(actor=sysadmin, definition=v2)
    case = apply(elder, "高龄津贴申领", **ALLOWANCE)
    decision = DecisionRecord.objects.get(instance=case.instance)
    assert decision.status == "missing_input"
    assert Case.objects.get(pk=case.pk).status == Case.Status.SUBMITTED


def test_a_table_may_not_overwrite_what_the_platform_sets(sysadmin):
    from dgov.core.errors import ApplicationError

    text = (DECISION_DIR / "gaoling_jintie.dmn").read_text(encoding="utf-8")
    sneaky = text.replace('name="decision"', 'name="credit_black"')
    with pytest.raises(ApplicationError) as refused:
        decision_definition_upload(actor=sysadmin, dmn_xml=sneaky)
    assert "credit_black" in str(refused.value.field_errors)


def test_a_wallet_licence_revoked_between_choice_and_decision_is_refused_and_nothing_is_written(citizen):
    """The apply form offered the licence; it is revoked before the applicant submits: the
    submission is refused on that material and no case, decision or registry read is written."""
    from dgov.licences.demo import load_demo_licences
    from dgov.licences.models import Licence
    from dgov.licences.services import licence_set_status
    from dgov.licences.tests.conftest import dept_admin

    load_demo_licences()
    it = item("个体工商户设立登记")
    material = it.materials.get(source="licence", source_ref="resident_id_card")
    chosen = Licence.objects.get(holder_user=citizen, type__code="resident_id_card")
    admin = dept_admin("gaj_admin", chosen.issuer)
    licence_set_status(actor=admin, licence=chosen, status=Licence.Status.REVOKED, reason="证件已注销（示例）")
    data = {
        **services.prefill_for(citizen, it.form_schema),
        "address": "江海区（示例）",
        "trade_name": "江海区陈记百货店（示例）",
        "premises": "江海区外海街道兴业路 5 号（示例）",
        "scope_category": "日用百货零售",
        "business_scope": "日用百货零售",
        "organisation": "个人经营",
    }
    before = (Case.objects.count(), DecisionRecord.objects.count(), RegistryRead.objects.count())
    with pytest.raises(services.ApplicationError) as refused:
        services.case_submit(
            actor=citizen,
            item=it,
            data=data,
            uploads=uploads(it),
            licences={material.pk: chosen.pk},
            signature=signature_for(citizen, it),
        )
    assert f"licence_{material.pk}" in refused.value.field_errors
    assert (Case.objects.count(), DecisionRecord.objects.count(), RegistryRead.objects.count()) == before


def test_a_cross_region_item_is_open_to_a_handed_over_application_without_the_partner_channel(citizen):
    from dgov.cases.models import Channel

    it = item("个体工商户设立登记")  # 跨省通办 in the demo catalogue; not on the partner channel
    assert it.cross_province and Channel.PARTNER not in it.channels
    with pytest.raises(services.ApplicationError):
        services.check_can_apply(item=it, applicant=citizen, channel=Channel.PARTNER)
    services.check_can_apply(item=it, applicant=citizen, channel=Channel.PARTNER, handed_over=True)
