"""The exchange's guarantees: signed, idempotent, nothing lost or doubled by a lost or repeated message."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dgov.accounts.models import User
from dgov.cases import services as cases
from dgov.cases.models import Case
from dgov.crossregion import services, signing
from dgov.crossregion.models import (
    ExchangeKey,
    Handover,
    HandoverEvent,
    InboundMessage,
    Peer,
    RemoteItem,
    StatusReport,
)
from dgov.crossregion.protocol import encode, envelope_new
from dgov.crossregion.services.delivery import MAX_ATTEMPTS
from dgov.crossregion.tests.conftest import APPLICANT, JIANGHAI, PENGJIANG, card_form, hand_over, open_task
from dgov.crossregion.transport import Answer, InProcessTransport, TransportError
from dgov.notices.models import Notice

MESSAGES = "/api/v1/crossregion/messages"


class Recording(InProcessTransport):
    """Delivers like the in-process transport and keeps every request."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, dict[str, str]]] = []

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        self.sent.append((url, body, dict(headers)))
        return super().post(url, body, headers)


class LostAnswer(InProcessTransport):
    """The peer processes the message, then the answer is lost (a timeout on the way back)."""

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        super().post(url, body, headers)
        raise TransportError("ReadTimeout: the answer did not arrive")


class Unreachable(InProcessTransport):
    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        raise TransportError("ConnectionError: connection refused")


def post_raw(raw: bytes, headers: dict[str, str]) -> Any:
    return Client().post(MESSAGES, data=raw, content_type="application/json", headers=headers)


def signed(
    *, kind: str, body: dict[str, Any], sender: str = JIANGHAI, recipient: str = PENGJIANG, message_id: Any = None
) -> tuple[bytes, dict[str, str]]:
    """A message signed with this platform's key, as a peer would send it."""
    key = ExchangeKey.objects.get(retired_at__isnull=True)
    envelope = envelope_new(
        message_id=message_id or uuid.uuid4(), kind=kind, sender=sender, recipient=recipient, body=body
    )
    raw = encode(envelope)
    return raw, {"X-DGOV-Region": sender, "X-DGOV-Signature": signing.sign(key, raw)}


def resign(raw: bytes, **changes: Any) -> tuple[bytes, dict[str, str]]:
    """The same message (same id) with changed envelope or body fields, signed again."""
    doc = json.loads(raw)
    body = {**doc["body"], **changes.pop("body", {})}
    return signed(
        kind=doc["kind"],
        body=body,
        sender=changes.get("sender", doc["from"]),
        recipient=changes.get("recipient", doc["to"]),
        message_id=uuid.UUID(doc["id"]),
    )


def first_handover(jh_clerk: User, peers: dict[str, Peer], item: RemoteItem, on_commit: Any) -> tuple[Handover, Any]:
    transport = Recording()
    handover = hand_over(jh_clerk, peers[PENGJIANG], item)
    services.handover_deliver(handover_id=handover.pk, transport=transport)
    handover.refresh_from_db()
    return handover, transport.sent[0]


def counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.exclude(status="draft").count(),
        InboundMessage.objects.count(),
        User.objects.count(),
        StatusReport.objects.count(),
    )


# --- Idempotency ----------------------------------------------------------------------------------


def test_a_replayed_handover_returns_the_same_case_and_makes_no_second(
    jh_clerk: User, peers: dict[str, Peer], remote_items: dict[str, RemoteItem], on_commit: Any
) -> None:
    handover, (_url, raw, headers) = first_handover(jh_clerk, peers, remote_items[PENGJIANG], on_commit)
    first_answer = InboundMessage.objects.get(message_id=handover.message_id).response
    before = counts()

    again = post_raw(raw, headers)  # byte for byte
    assert again.status_code == 201
    assert again.json() == first_answer and again.json()["case_number"] == handover.remote_case_number
    raw2, headers2 = resign(raw)  # a retry: same id and body, new sent_at and signature
    assert raw2 != raw
    assert post_raw(raw2, headers2).json()["case_number"] == handover.remote_case_number
    assert counts() == before
    assert Case.objects.filter(received_in__code=JIANGHAI).count() == 1


def test_the_same_id_with_another_body_is_a_conflict_and_writes_nothing(
    jh_clerk: User, peers: dict[str, Peer], remote_items: dict[str, RemoteItem], on_commit: Any
) -> None:
    handover, (_url, raw, _headers) = first_handover(jh_clerk, peers, remote_items[PENGJIANG], on_commit)
    message = InboundMessage.objects.get(message_id=handover.message_id)
    before = counts()
    doc = json.loads(raw)
    raw2, headers2 = resign(raw, body={"form": {**doc["body"]["form"], "bank": "中国农业银行"}})
    response = post_raw(raw2, headers2)
    assert response.status_code == 409
    assert response.json()["code"] == "message_id_reused" and response.json()["errors"] == []
    assert counts() == before
    message.refresh_from_db()
    assert message.digest == InboundMessage.objects.get(pk=message.pk).digest
    assert Case.objects.get(number=handover.remote_case_number).form_data["bank"] == "中国银行"


def test_a_lost_answer_is_retried_under_the_same_id_and_makes_exactly_one_case(
    jh_clerk: User, peers: dict[str, Peer], remote_items: dict[str, RemoteItem], pengjiang: dict[str, Any]
) -> None:
    handover = hand_over(jh_clerk, peers[PENGJIANG], remote_items[PENGJIANG])
    message_id = handover.message_id
    services.handover_deliver(handover_id=handover.pk, transport=LostAnswer())
    handover.refresh_from_db()
    assert handover.state == Handover.State.SENT and handover.attempts == 1
    assert "ReadTimeout" in handover.last_error and handover.next_attempt_at > timezone.now()
    assert Case.objects.filter(item=pengjiang["item"]).count() == 1  # the peer did make it
    assert services.handover_deliver(handover_id=handover.pk) is None  # not due yet

    Handover.objects.filter(pk=handover.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    sweep = services.send_pending()
    assert sweep["handovers"] == 1 and sweep["registered"] == 1
    handover.refresh_from_db()
    assert handover.state == Handover.State.ACCEPTED_REMOTE and handover.message_id == message_id
    assert handover.attempts == 2
    case = Case.objects.get(item=pengjiang["item"])
    assert handover.remote_case_number == case.number
    assert InboundMessage.objects.filter(message_id=message_id).count() == 1
    assert list(handover.events.values_list("kind", flat=True)) == ["received", "attempt_failed", "registered"]


def test_an_unreachable_peer_is_given_up_after_the_last_attempt_and_retried_with_the_same_id(
    jh_clerk: User, peers: dict[str, Peer], remote_items: dict[str, RemoteItem], pengjiang: dict[str, Any]
) -> None:
    handover = hand_over(jh_clerk, peers[PENGJIANG], remote_items[PENGJIANG])
    waits = []
    for _n in range(MAX_ATTEMPTS):
        Handover.objects.filter(pk=handover.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        before = timezone.now()
        services.handover_deliver(handover_id=handover.pk, transport=Unreachable())
        handover.refresh_from_db()
        if handover.next_attempt_at:
            waits.append(round((handover.next_attempt_at - before).total_seconds() / 60))
    assert waits[:4] == [1, 2, 4, 8] and max(waits) <= 360
    assert handover.state == Handover.State.FAILED and handover.failure == Handover.Failure.UNDELIVERABLE
    assert Notice.objects.filter(recipient=jh_clerk, subject__contains=handover.receipt_number).exists()
    message_id = handover.message_id

    handover = services.handover_retry(actor=jh_clerk, handover=handover)
    assert handover.message_id == message_id and handover.state == Handover.State.QUEUED
    services.handover_deliver(handover_id=handover.pk)
    handover.refresh_from_db()
    assert handover.state == Handover.State.ACCEPTED_REMOTE
    assert Case.objects.filter(item=pengjiang["item"]).count() == 1


def test_a_replayed_status_is_applied_once(
    jh_clerk: User,
    peers: dict[str, Peer],
    remote_items: dict[str, RemoteItem],
    pengjiang: dict[str, Any],
    on_commit: Any,
) -> None:
    with on_commit():
        handover = hand_over(jh_clerk, peers[PENGJIANG], remote_items[PENGJIANG])
    case = Case.objects.get(item=pengjiang["item"])
    with on_commit():
        cases.case_task_complete(actor=pengjiang["clerk"], task=open_task(case), decision="accept")
    report = StatusReport.objects.get(case=case)
    assert report.state == StatusReport.State.DELIVERED and report.seq == 1
    events = HandoverEvent.objects.filter(handover=handover).count()
    notices = Notice.objects.filter(recipient=handover.applicant).count()

    raw, headers = signed(
        kind="status", body=report.body, sender=PENGJIANG, recipient=JIANGHAI, message_id=report.message_id
    )
    response = post_raw(raw, headers)
    assert response.status_code == 200 and response.json() == {"id": str(report.message_id), "outcome": "applied"}
    assert HandoverEvent.objects.filter(handover=handover).count() == events
    assert Notice.objects.filter(recipient=handover.applicant).count() == notices
    assert InboundMessage.objects.filter(message_id=report.message_id).count() == 1


def test_statuses_out_of_order_never_move_back_and_keep_the_result(
    jh_clerk: User, peers: dict[str, Peer], remote_items: dict[str, RemoteItem], pengjiang: dict[str, Any]
) -> None:
    handover = hand_over(jh_clerk, peers[PENGJIANG], remote_items[PENGJIANG])
    services.handover_deliver(handover_id=handover.pk)
    handover.refresh_from_db()
    base = {"handover_id": str(handover.message_id), "case_number": handover.remote_case_number, "note": ""}
    at = timezone.now().isoformat()
    messages = [
        {**base, "seq": 3, "event": "licence_issued", "case_status": "concluded", "licence": "L-1", "at": at},
        {**base, "seq": 2, "event": "concluded", "case_status": "concluded", "result": "approved", "at": at},
        {**base, "seq": 1, "event": "accepted", "case_status": "accepted", "at": at},
    ]
    outcomes = []
    for body in messages:
        raw, headers = signed(kind="status", body=body, sender=PENGJIANG, recipient=JIANGHAI)
        outcomes.append(post_raw(raw, headers).json()["outcome"])
    assert outcomes == ["applied", "applied", "stale"]
    handover.refresh_from_db()
    assert handover.state == Handover.State.CONCLUDED and handover.result == Handover.Result.APPROVED
    assert handover.licence_identifier == "L-1" and handover.remote_status == "concluded" and handover.status_seq == 3
    assert handover.events.filter(kind="accepted").count() == 1  # history is complete


# --- Who may send ---------------------------------------------------------------------------------


def test_a_bad_signature_is_refused_and_nothing_written(
    jh_clerk: User, peers: dict[str, Peer], remote_items: dict[str, RemoteItem]
) -> None:
    handover = hand_over(jh_clerk, peers[PENGJIANG], remote_items[PENGJIANG])
    from dgov.crossregion.services.handover_delivery import handover_body

    raw, headers = signed(kind="handover", body=handover_body(handover), message_id=handover.message_id)
    before = counts()
    public, private_enc = signing.keypair_new("xr-forger")
    forger = ExchangeKey(key_id="xr-forger", public_key=public, private_key_enc=private_enc)
    forged = {**headers, "X-DGOV-Signature": signing.sign(forger, raw)}
    response = post_raw(raw, forged)
    assert response.status_code == 401 and response.json()["code"] == "bad_signature"
    tampered = raw.replace("中国银行".encode(), "中国农业银行".encode())
    response = post_raw(tampered, headers)
    assert response.status_code == 401 and response.json()["code"] == "bad_signature"
    response = post_raw(raw, {"X-DGOV-Region": JIANGHAI})
    assert response.status_code == 401 and response.json()["code"] == "signature_required"
    assert counts() == before


def test_an_unknown_or_inactive_peer_is_refused_and_nothing_written(
    jh_clerk: User, peers: dict[str, Peer], remote_items: dict[str, RemoteItem]
) -> None:
    handover = hand_over(jh_clerk, peers[PENGJIANG], remote_items[PENGJIANG])
    from dgov.crossregion.services.handover_delivery import handover_body

    before = counts()
    raw, headers = signed(kind="handover", body=handover_body(handover), sender="440705")
    response = post_raw(raw, headers)
    assert response.status_code == 403 and response.json()["code"] == "unknown_peer"
    Peer.objects.filter(pk=peers[JIANGHAI].pk).update(active=False)
    raw, headers = signed(kind="handover", body=handover_body(handover))
    assert post_raw(raw, headers).status_code == 403
    assert counts() == before


def test_a_message_for_another_region_or_sent_long_ago_is_refused(
    jh_clerk: User, peers: dict[str, Peer], remote_items: dict[str, RemoteItem]
) -> None:
    handover = hand_over(jh_clerk, peers[PENGJIANG], remote_items[PENGJIANG])
    from dgov.crossregion.services.handover_delivery import handover_body

    before = counts()
    raw, headers = signed(kind="handover", body=handover_body(handover), recipient="440705")
    response = post_raw(raw, headers)
    assert response.status_code == 400 and response.json()["code"] == "wrong_region"
    raw, headers = signed(kind="handover", body=handover_body(handover), sender=PENGJIANG)
    response = post_raw(raw, {**headers, "X-DGOV-Region": JIANGHAI})
    # Both regions hold one key here, so the signature verifies; the envelope names another sender.
    assert response.status_code == 400 and response.json()["code"] == "region_mismatch"
    doc = json.loads(signed(kind="handover", body={})[0])
    doc["sent_at"] = (timezone.now() - timedelta(days=2)).isoformat()
    old = json.dumps(doc).encode()
    key = ExchangeKey.objects.get(retired_at__isnull=True)
    response = post_raw(old, {"X-DGOV-Region": JIANGHAI, "X-DGOV-Signature": signing.sign(key, old)})
    assert response.status_code == 400 and response.json()["code"] == "stale_message"
    assert counts() == before


# --- Refusals -------------------------------------------------------------------------------------


def test_a_refusal_by_the_handling_side_fails_the_handover_with_the_reason(
    jh_clerk: User, peers: dict[str, Peer], remote_items: dict[str, RemoteItem], pengjiang: dict[str, Any]
) -> None:
    item = remote_items[PENGJIANG]
    # The copy is out of date: the handling region has since made 领卡方式 required.
    schema = item.form_schema
    schema["required"] = [f for f in schema["required"] if f != "delivery"]
    RemoteItem.objects.filter(pk=item.pk).update(form_schema=schema)
    item.refresh_from_db()
    handover = hand_over(jh_clerk, peers[PENGJIANG], item, data=card_form(delivery=""))
    services.handover_deliver(handover_id=handover.pk)
    handover.refresh_from_db()
    assert handover.state == Handover.State.FAILED and handover.failure == Handover.Failure.REFUSED
    assert "form.delivery" in handover.failure_reason
    assert handover.events.filter(kind="refused").exists()
    assert Notice.objects.filter(recipient=jh_clerk, subject__contains=handover.receipt_number).exists()
    assert not Case.objects.filter(item=pengjiang["item"]).exists()
    refusal = InboundMessage.objects.get(message_id=handover.message_id)
    assert refusal.status_code == 422 and refusal.case is None

    first_id = handover.message_id
    handover = services.handover_retry(actor=jh_clerk, handover=handover)
    assert handover.message_id != first_id  # the peer keeps its refusal under the old id
    services.handover_deliver(handover_id=handover.pk)
    handover.refresh_from_db()
    assert handover.state == Handover.State.FAILED
    assert list(handover.events.values_list("kind", flat=True)) == ["received", "refused", "retried", "refused"]


def test_an_item_the_handling_region_does_not_offer_is_refused(
    jh_clerk: User, peers: dict[str, Peer], remote_items: dict[str, RemoteItem], pengjiang: dict[str, Any]
) -> None:
    from dgov.catalog import services as catalog

    catalog.item_withdraw(actor=None, item=pengjiang["item"], reason="改由市级办理")
    handover = hand_over(jh_clerk, peers[PENGJIANG], remote_items[PENGJIANG])
    services.handover_deliver(handover_id=handover.pk)
    handover.refresh_from_db()
    assert handover.state == Handover.State.FAILED and "item_code" in handover.failure_reason
    assert APPLICANT["id_number"] not in handover.failure_reason


def test_an_applicant_new_to_the_handling_region_is_registered_without_a_password(
    jh_clerk: User, peers: dict[str, Peer], remote_items: dict[str, RemoteItem], pengjiang: dict[str, Any]
) -> None:
    from dgov.crossregion.services.handover_delivery import handover_body
    from dgov.crossregion.tests.conftest import person_id

    handover = hand_over(jh_clerk, peers[PENGJIANG], remote_items[PENGJIANG])
    body = handover_body(handover)
    # As another instance would send it: a person this database has never seen.
    newcomer = person_id(JIANGHAI, "19851103", "047")
    body["applicant"] = {"kind": "citizen", "name": "梁海燕", "id_number": newcomer, "phone": "13900000047"}
    body["form"] = {**body["form"], "applicant_name": "梁海燕", "id_number": newcomer, "phone": "13900000047"}
    raw, headers = signed(kind="handover", body=body)
    response = post_raw(raw, headers)
    assert response.status_code == 201, response.json()
    case = Case.objects.get(number=response.json()["case_number"])
    assert case.applicant.real_name == "梁海燕" and case.applicant.id_number == newcomer
    assert not case.applicant.has_usable_password() and case.applicant.kind == User.Kind.CITIZEN


def test_the_http_transport_signs_nothing_itself_and_maps_failures(monkeypatch: Any) -> None:
    import requests

    from dgov.crossregion.transport import HttpTransport

    seen: dict[str, Any] = {}

    class Response:
        status_code = 201
        content = b'{"ok": true}'

    def fake_post(url: str, **kwargs: Any) -> Response:
        seen.update(url=url, **kwargs)
        return Response()

    monkeypatch.setattr(requests, "post", fake_post)
    answer = HttpTransport().post("https://peer.example/api/v1/crossregion/messages", b"{}", {"X-DGOV-Region": "1"})
    assert answer.status == 201 and answer.json() == {"ok": True}
    assert seen["data"] == b"{}" and seen["timeout"] == (5.0, 30.0) and seen["allow_redirects"] is False
    assert seen["headers"]["X-DGOV-Region"] == "1"

    def timeout(url: str, **kwargs: Any) -> Response:
        raise requests.Timeout("read timed out")

    monkeypatch.setattr(requests, "post", timeout)
    with pytest.raises(TransportError, match="Timeout"):
        HttpTransport().post("https://peer.example/x", b"{}", {})
