"""The window clerk's pages, who may open them, and the applicant's public look-up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from dgov.accounts.models import Department, Role, User
from dgov.audit.models import AuditEvent
from dgov.crossregion import selectors
from dgov.crossregion.models import Handover, Peer, RemoteItem
from dgov.crossregion.tests.conftest import APPLICANT, PENGJIANG, _staff, hand_over, photo, photo_position


def apply_url(peer: Peer, item: RemoteItem) -> str:
    return reverse("crossregion:apply", args=[peer.pk, item.code])


def apply_post(item: RemoteItem, **changes: Any) -> dict[str, Any]:
    data = {
        "idempotency_key": "k-1",
        "applicant-name": APPLICANT["name"],
        "applicant-id_number": APPLICANT["id_number"],
        "applicant-phone": APPLICANT["phone"],
        "address": "江门市蓬江区建设路1号（示例）",
        "bank": "中国银行",
        "delivery": "邮寄到家",
        f"material_{photo_position(item)}": photo(),
    }
    data.update(changes)
    return data


def test_the_clerk_takes_in_an_application_and_prints_the_receipt(
    jh_clerk: User,
    peers: dict[str, Peer],
    remote_items: dict[str, RemoteItem],
    login: Callable[[User], Client],
    on_commit: Any,
) -> None:
    client = login(jh_clerk)
    page = client.get(reverse("crossregion:new"), {"peer": peers[PENGJIANG].pk})
    assert page.status_code == 200 and remote_items[PENGJIANG].name in page.content.decode()
    assert f'href="{apply_url(peers[PENGJIANG], remote_items[PENGJIANG])}"' in page.content.decode()
    form = client.get(apply_url(peers[PENGJIANG], remote_items[PENGJIANG]))
    html = form.content.decode()
    assert form.status_code == 200
    assert 'name="applicant-id_number"' in html and 'name="bank"' in html and 'name="material_' in html

    with on_commit():
        response = client.post(
            apply_url(peers[PENGJIANG], remote_items[PENGJIANG]), apply_post(remote_items[PENGJIANG])
        )
    handover = Handover.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("crossregion:detail", args=[handover.pk])
    assert handover.state == Handover.State.ACCEPTED_REMOTE
    assert handover.form_data["id_number"] == APPLICANT["id_number"]  # filled from the applicant section
    detail = client.get(response["Location"]).content.decode()
    assert handover.remote_case_number in detail and APPLICANT["id_number"] not in detail  # masked
    receipt = client.get(reverse("crossregion:receipt", args=[handover.pk])).content.decode()
    assert handover.receipt_number in receipt and handover.lookup_code in receipt and "data-print" in receipt

    # A double click: the same idempotency key makes no second handover.
    with on_commit():
        client.post(apply_url(peers[PENGJIANG], remote_items[PENGJIANG]), apply_post(remote_items[PENGJIANG]))
    assert Handover.objects.count() == 1
    listing = client.get(reverse("crossregion:list")).content.decode()
    assert handover.receipt_number in listing and handover.remote_case_number in listing


def test_mistakes_are_shown_and_nothing_is_written(
    jh_clerk: User, peers: dict[str, Peer], remote_items: dict[str, RemoteItem], login: Callable[[User], Client]
) -> None:
    client = login(jh_clerk)
    users = User.objects.count()
    item = remote_items[PENGJIANG]
    with translation.override("en"):
        response = client.post(
            apply_url(peers[PENGJIANG], item),
            apply_post(
                item,
                **{"applicant-id_number": "440703199002140312", "bank": "", f"material_{photo_position(item)}": ""},
            ),
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="f_bank_error"' in html and f'id="material_{photo_position(item)}_error"' in html
    assert 'id="id_applicant-id_number_error"' in html
    assert not Handover.objects.exists() and User.objects.count() == users


def test_a_failed_handover_can_be_sent_again_from_its_page(
    jh_clerk: User,
    peers: dict[str, Peer],
    remote_items: dict[str, RemoteItem],
    login: Callable[[User], Client],
    settings: Any,
) -> None:
    settings.DGOV_CROSSREGION_TRANSPORT = "dgov.crossregion.tests.test_protocol.Unreachable"
    handover = hand_over(jh_clerk, peers[PENGJIANG], remote_items[PENGJIANG])
    Handover.objects.filter(pk=handover.pk).update(
        state=Handover.State.FAILED, failure=Handover.Failure.UNDELIVERABLE, failure_reason="connection refused"
    )
    client = login(jh_clerk)
    page = client.get(reverse("crossregion:detail", args=[handover.pk])).content.decode()
    assert "connection refused" in page and reverse("crossregion:retry", args=[handover.pk]) in page
    settings.DGOV_CROSSREGION_TRANSPORT = "dgov.crossregion.transport.InProcessTransport"
    response = client.post(reverse("crossregion:retry", args=[handover.pk]))
    assert response.status_code == 302
    handover.refresh_from_db()
    assert handover.state == Handover.State.QUEUED and handover.failure == ""
    assert AuditEvent.objects.filter(action="crossregion.handover_retry").exists()
    assert client.post(reverse("crossregion:retry", args=[handover.pk])).status_code == 302  # not failed: refused
    assert client.get(reverse("crossregion:retry", args=[handover.pk])).status_code == 405


@pytest.mark.parametrize("name", ["crossregion:list", "crossregion:new"])
def test_who_may_open_the_pages(
    name: str, outsider: User, approver: User, jh_clerk: User, login: Callable[[User], Client], peers: dict[str, Peer]
) -> None:
    url = reverse(name)
    assert Client().get(url).status_code == 302  # sign in first
    assert login(outsider).get(url).status_code == 403
    assert login(approver).get(url).status_code == 403
    assert login(jh_clerk).get(url).status_code == 200
    assert AuditEvent.objects.filter(action="access.denied", actor=outsider).exists()


def test_a_handover_is_seen_only_by_clerks_covering_its_department(
    jh_clerk: User,
    peers: dict[str, Peer],
    remote_items: dict[str, RemoteItem],
    pengjiang: dict[str, Any],
    outsider: User,
    login: Callable[[User], Client],
) -> None:
    handover = hand_over(jh_clerk, peers[PENGJIANG], remote_items[PENGJIANG])
    scjg_clerk = _staff("scjg_clerk", Department.objects.get(code="scjg"), Role.WINDOW_CLERK)
    for who in (scjg_clerk, pengjiang["clerk"]):
        client = login(who)
        assert client.get(reverse("crossregion:detail", args=[handover.pk])).status_code == 404
        assert client.get(reverse("crossregion:receipt", args=[handover.pk])).status_code == 404
        assert client.post(reverse("crossregion:retry", args=[handover.pk])).status_code == 404
        assert handover.receipt_number not in client.get(reverse("crossregion:list")).content.decode()
    assert login(outsider).get(reverse("crossregion:detail", args=[handover.pk])).status_code == 403
    assert login(jh_clerk).get(reverse("crossregion:detail", args=[handover.pk])).status_code == 200


def test_a_clerk_cannot_hand_over_to_their_own_region(
    jh_clerk: User, peers: dict[str, Peer], remote_items: dict[str, RemoteItem], pengjiang: dict[str, Any]
) -> None:
    from dgov.core.errors import ApplicationError

    offered = [p.region.code for p in selectors.peers_for_handover(excluding=pengjiang["region"])]
    assert PENGJIANG not in offered
    with pytest.raises(ApplicationError) as err:
        hand_over(pengjiang["clerk"], peers[PENGJIANG], remote_items[PENGJIANG])
    assert err.value.code == "own_region"


def test_the_applicant_looks_up_the_handover_without_signing_in(
    jh_clerk: User, peers: dict[str, Peer], remote_items: dict[str, RemoteItem], on_commit: Any
) -> None:
    with on_commit():
        handover = hand_over(jh_clerk, peers[PENGJIANG], remote_items[PENGJIANG])
    handover.refresh_from_db()
    client = Client()
    url = reverse("crossregion:lookup")
    assert client.get(url).status_code == 200
    found = client.post(url, {"number": handover.receipt_number, "code": handover.lookup_code})
    html = found.content.decode()
    assert found.status_code == 200 and handover.remote_case_number in html and handover.item_name in html
    assert APPLICANT["name"] not in html and APPLICANT["phone"] not in html
    wrong = client.post(
        url, {"number": handover.receipt_number, "code": "000000" if handover.lookup_code != "000000" else "111111"}
    )
    assert wrong.status_code == 404


def test_the_exchange_key_is_published(client: Client, jianghai: None) -> None:
    url = "/api/v1/crossregion/key"
    assert client.get(url).status_code == 404
    from dgov.crossregion import services

    key = services.exchange_key_ensure()
    doc = client.get(url).json()
    assert doc["public_key"] == key.public_key and doc["key_id"] == key.key_id
    assert doc["algorithm"] == "SM2-with-SM3" and doc["signer_id"] == "1234567812345678"
    assert "440704" in doc["regions"]
