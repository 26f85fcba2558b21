"""Cases passed both ways between two platforms: handover, decision, status back."""

from __future__ import annotations

from typing import Any

from dgov.accounts.models import User
from dgov.cases import services as cases
from dgov.cases.models import Case, Channel
from dgov.crossregion.models import Handover, HandoverEvent, InboundMessage, Peer, RemoteItem, StatusReport
from dgov.crossregion.tests.conftest import APPLICANT, JIANGHAI, PENGJIANG, hand_over, open_task
from dgov.notices.models import Notice


def test_a_handover_from_jianghai_makes_one_case_in_pengjiang(
    jh_clerk: User,
    peers: dict[str, Peer],
    remote_items: dict[str, RemoteItem],
    pengjiang: dict[str, Any],
    on_commit: Any,
    no_network: None,
) -> None:
    with on_commit():
        handover = hand_over(jh_clerk, peers[PENGJIANG], remote_items[PENGJIANG])
    handover.refresh_from_db()
    assert handover.state == Handover.State.ACCEPTED_REMOTE, handover.last_error
    case = Case.objects.get(number=handover.remote_case_number)
    assert case.item == pengjiang["item"] and case.department == pengjiang["department"]
    assert case.received_in is not None and case.received_in.code == JIANGHAI
    assert case.channel == Channel.PARTNER and case.partner_name == "江海区异地代收"
    assert case.number.startswith("440703")
    assert Case.objects.filter(item=pengjiang["item"]).count() == 1
    assert handover.receipt_number.startswith("YD440704")
    assert handover.remote_lookup_code == case.lookup_code
    assert case.materials.count() == 1
    assert InboundMessage.objects.get(message_id=handover.message_id).case == case


def test_the_decision_in_pengjiang_comes_back_and_the_applicant_is_told(
    jh_clerk: User,
    peers: dict[str, Peer],
    remote_items: dict[str, RemoteItem],
    pengjiang: dict[str, Any],
    on_commit: Any,
) -> None:
    with on_commit():
        handover = hand_over(jh_clerk, peers[PENGJIANG], remote_items[PENGJIANG])
    case = Case.objects.get(number=Handover.objects.get(pk=handover.pk).remote_case_number)
    applicant = handover.applicant
    assert applicant.kind == User.Kind.CITIZEN and applicant.real_name == APPLICANT["name"]

    with on_commit():
        cases.case_task_complete(actor=pengjiang["clerk"], task=open_task(case), decision="accept", opinion="材料齐全")
    handover.refresh_from_db()
    assert handover.state == Handover.State.ACCEPTED_REMOTE and handover.remote_status == Case.Status.ACCEPTED
    assert (
        Notice.objects.filter(recipient=applicant, subject__contains=handover.receipt_number)
        .filter(body__contains=case.number)
        .exists()
    )

    with on_commit():
        cases.case_task_complete(actor=pengjiang["approver"], task=open_task(case), opinion="符合条件")
        cases.case_task_complete(
            actor=pengjiang["approver"], task=open_task(case), decision="approve", opinion="准予办理"
        )
    handover.refresh_from_db()
    assert handover.state == Handover.State.CONCLUDED
    assert handover.result == Handover.Result.APPROVED and handover.concluded_at is not None
    kinds = list(handover.events.values_list("kind", flat=True))
    assert kinds[:3] == ["received", "registered", "accepted"] and kinds[-1] == "concluded"
    assert handover.events.get(kind="concluded").note == "准予办理"
    concluded = Notice.objects.filter(recipient=applicant, subject__contains=handover.receipt_number).order_by("-pk")[0]
    assert "准予办理" in concluded.body
    reports = StatusReport.objects.filter(case=case).order_by("seq")
    assert [(r.seq, r.event, r.state) for r in reports] == [
        (1, "accepted", "delivered"),
        (2, "concluded", "delivered"),
    ]


def test_pengjiang_receives_for_a_jianghai_item(
    pengjiang: dict[str, Any],
    peers: dict[str, Peer],
    remote_items: dict[str, RemoteItem],
    jh_clerk: User,
    jh_approver: User,
    jh_card_item: Any,
    on_commit: Any,
) -> None:
    with on_commit():
        handover = hand_over(pengjiang["clerk"], peers[JIANGHAI], remote_items[JIANGHAI])
    handover.refresh_from_db()
    assert handover.state == Handover.State.ACCEPTED_REMOTE, handover.last_error
    assert handover.receipt_number.startswith("YD440703") and handover.department == pengjiang["department"]
    case = Case.objects.get(number=handover.remote_case_number)
    assert case.item == jh_card_item and case.received_in == pengjiang["region"]
    assert case.partner_name == "蓬江区异地代收" and case.number.startswith("440704")

    with on_commit():
        cases.case_task_complete(actor=jh_clerk, task=open_task(case), decision="refuse", opinion="不符合申领条件")
    handover.refresh_from_db()
    assert handover.state == Handover.State.CONCLUDED and handover.result == Handover.Result.REFUSED
    assert handover.events.filter(kind=HandoverEvent.Kind.CONCLUDED, note="不符合申领条件").exists()


def test_an_approval_in_jianghai_sends_back_the_licence_identifier(
    seals_and_licence_types: None,
    pengjiang: dict[str, Any],
    peers: dict[str, Peer],
    remote_items: dict[str, RemoteItem],
    jh_clerk: User,
    jh_approver: User,
    on_commit: Any,
) -> None:
    with on_commit():
        handover = hand_over(pengjiang["clerk"], peers[JIANGHAI], remote_items[JIANGHAI])
    case = Case.objects.get(number=Handover.objects.get(pk=handover.pk).remote_case_number)
    with on_commit():
        cases.case_task_complete(actor=jh_clerk, task=open_task(case), decision="accept")
        cases.case_task_complete(actor=jh_approver, task=open_task(case), opinion="核验通过")
        cases.case_task_complete(actor=jh_approver, task=open_task(case), decision="approve", opinion="同意制卡")
    case.refresh_from_db()
    licence = case.licence
    handover.refresh_from_db()
    assert handover.state == Handover.State.CONCLUDED and handover.result == Handover.Result.APPROVED
    assert handover.licence_identifier == licence.identifier
    assert list(StatusReport.objects.filter(case=case).order_by("seq").values_list("event", flat=True)) == [
        "accepted",
        "concluded",
        "licence_issued",
    ]
    assert Notice.objects.filter(recipient=handover.applicant, body__contains=licence.identifier).exists()


def test_an_item_marked_for_cross_region_handling_is_open_to_handovers_whatever_its_channels() -> None:
    from dgov.crossregion.services.peers import item_open_for_handover

    guide = {"channels": ["online", "window"], "online_depth": 4, "form_schema": {"x": 1}, "subject": "person"}
    assert not item_open_for_handover(guide)
    assert item_open_for_handover({**guide, "cross_province": True})
    assert not item_open_for_handover({**guide, "cross_province": True, "subject": "enterprise"})
