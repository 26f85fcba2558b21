"""The management commands: keys, peers, the peers' items, the outbox sweep, the demo data."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from dgov.accounts.models import User
from dgov.crossregion.models import ExchangeKey, Handover, Peer, RemoteItem
from dgov.crossregion.tests.conftest import PENGJIANG, hand_over


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_keys_are_made_once_and_rotated(jianghai: None) -> None:
    first = run("crossregion_keys")
    key = ExchangeKey.objects.get()
    assert key.public_key in first and key.key_id in first
    assert run("crossregion_keys") == first  # shown again, not remade
    rotated = run("crossregion_keys", "--rotate")
    current = ExchangeKey.objects.get(retired_at__isnull=True)
    assert current.pk != key.pk and current.public_key in rotated
    key.refresh_from_db()
    assert key.retired_at is not None
    assert "private" not in rotated.lower()


def test_a_peer_is_registered_and_checked(jianghai: None) -> None:
    from dgov.core.crypto import sm2_generate_keypair

    _private, public = sm2_generate_keypair()
    out = run("crossregion_peer", "440705", "新会区", "https://xinhui.example/api/v1/", public)
    peer = Peer.objects.get(region__code="440705")
    assert peer.base_url == "https://xinhui.example/api/v1" and peer.region.name == "新会区" and "440705" in out
    run("crossregion_peer", "440705", "新会区", "https://xinhui.example/api/v1", public, "--inactive")
    peer.refresh_from_db()
    assert not peer.active and Peer.objects.count() == 1
    with pytest.raises(CommandError, match="public_key"):
        run("crossregion_peer", "440705", "新会区", "https://xinhui.example/api/v1", "04abcd")
    with pytest.raises(CommandError, match="base_url"):
        run("crossregion_peer", "440705", "新会区", "ftp://xinhui.example", public)


def test_items_are_synchronised_from_the_peer_catalogue(
    pengjiang: dict[str, Any], peers: dict[str, Peer], no_network: None
) -> None:
    out = run("crossregion_sync_items", PENGJIANG)
    item = RemoteItem.objects.get(peer=peers[PENGJIANG], code=pengjiang["item"].code)
    assert item.name == "社会保障卡申领" and item.department_name == "蓬江区人力资源和社会保障局"
    assert item.form_schema["required"] == pengjiang["item"].form_schema["required"]
    photo = next(m for m in item.materials if m["name"] == "近期免冠彩色证件照片")
    assert photo["upload"] and photo["required"]
    id_card = next(m for m in item.materials if m["name"] == "居民身份证")
    assert not id_card["upload"]
    # Only items open to handover: the partner channel, online depth 3+, a form, individuals.
    assert not RemoteItem.objects.filter(peer=peers[PENGJIANG], name="食品经营许可").exists()
    assert "+" in out
    from dgov.catalog import services as catalog

    catalog.item_withdraw(actor=None, item=pengjiang["item"], reason="停办")
    run("crossregion_sync_items", PENGJIANG)
    item.refresh_from_db()
    assert not item.active
    with pytest.raises(CommandError):
        run("crossregion_sync_items", "440705")


def test_send_sweeps_what_is_due(
    clerk: User, peers: dict[str, Peer], remote_items: dict[str, RemoteItem], pengjiang: dict[str, Any]
) -> None:
    handover = hand_over(clerk, peers[PENGJIANG], remote_items[PENGJIANG])  # on-commit sending not run
    assert Handover.objects.get(pk=handover.pk).state == Handover.State.QUEUED
    out = run("crossregion_send")
    assert "1 attempted, 1 registered" in out
    assert Handover.objects.get(pk=handover.pk).state == Handover.State.ACCEPTED_REMOTE
    assert "0 attempted" in run("crossregion_send", "--retry-failed")


def test_demo_data_loads_once(jianghai: None, settings: Any) -> None:
    settings.DGOV_DEMO = True
    assert "+1 peers" in run("load_demo_crossregion")
    items = RemoteItem.objects.filter(peer__region__code=PENGJIANG, is_demo=True)
    assert items.filter(name="社会保障卡申领").exists()
    assert "+0 peers, +0 items" in run("load_demo_crossregion")
