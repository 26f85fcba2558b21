"""Two platforms in one database: 江海区 (440704, the demo district) and 蓬江区 (440703, set up here
with a social-security department, its window clerk and approver, and its own 社会保障卡申领 item
open on the partner channel). Both region codes are this instance's own regions, each is the
other's peer, and messages travel through the in-process transport: the receiving view is
called with the signed body and headers, exactly as over HTTPS.

Personas: 江海's window clerk (the demo ``clerk``) and a 江海 approver of 人社局; 蓬江's window
clerk and approver; the applicant at the counter (a 蓬江 resident without an account); an
outsider (an approver of 民政, who holds no handover role).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dgov.accounts.models import Department, Region, Role, User
from dgov.accounts.services import role_grant, user_create
from dgov.catalog import services as catalog
from dgov.catalog.content import ItemContent
from dgov.catalog.models import ServiceItem
from dgov.core.validation import id_number_check_char
from dgov.crossregion import services
from dgov.crossregion.models import Handover, Peer, RemoteItem
from dgov.workflow.models import Task

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PASSWORD = "Crossregion-pass-2025!"
JIANGHAI, PENGJIANG = "440704", "440703"
BASE = {JIANGHAI: "http://testserver/api/v1", PENGJIANG: "http://testserver/api/v1"}


def person_id(region: str, birth: str, seq: str) -> str:
    first17 = f"{region}{birth}{seq}"
    return first17 + id_number_check_char(first17)


APPLICANT = {"name": "区文杰", "id_number": person_id(PENGJIANG, "19900214", "031"), "phone": "13900000031"}


def photo(name: str = "photo.png", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


@pytest.fixture(autouse=True)
def two_platforms(settings: Any, tmp_path: Any) -> None:
    """Both regions are served here; messages go through the in-process transport; files to tmp."""
    settings.DGOV_CROSSREGION_REGIONS = [JIANGHAI, PENGJIANG]
    settings.DGOV_CROSSREGION_TRANSPORT = "dgov.crossregion.transport.InProcessTransport"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """``with on_commit(): …`` runs what would run after commit (sending, status reports, notices)."""

    def _capture() -> Any:
        return django_capture_on_commit_callbacks(execute=True)

    return _capture


def _staff(username: str, department: Department, role: str, *, region: Region | None = None) -> User:
    user = user_create(
        actor=None,
        username=username,
        password=PASSWORD,
        kind="staff",
        real_name=username,
        department=department,
        is_demo=True,
    )
    role_grant(actor=None, user=user, role=role, department=None if region else department, region=region)
    return user


@pytest.fixture
def peers(jianghai: None) -> dict[str, Peer]:
    """Each region registered as the other's peer, both holding this platform's exchange key."""
    key = services.exchange_key_ensure()
    return {
        JIANGHAI: services.peer_save(
            actor=None, region_code=JIANGHAI, region_name="江海区", base_url=BASE[JIANGHAI], public_key=key.public_key
        ),
        PENGJIANG: services.peer_save(
            actor=None,
            region_code=PENGJIANG,
            region_name="蓬江区",
            base_url=BASE[PENGJIANG],
            public_key=key.public_key,
        ),
    }


@pytest.fixture
def jh_card_item(jianghai: None) -> ServiceItem:
    """江海's 社会保障卡申领 (人社局, open on the partner channel)."""
    return ServiceItem.objects.get(
        name="社会保障卡申领", status=ServiceItem.Status.PUBLISHED, code__startswith=JIANGHAI
    )


@pytest.fixture
def pengjiang(peers: dict[str, Peer], jh_card_item: ServiceItem) -> dict[str, Any]:
    """蓬江区's handling side: its 人社局, window clerk, approver and 社会保障卡申领."""
    region = peers[PENGJIANG].region
    department = Department.objects.create(
        code="pj-rsj", name="蓬江区人力资源和社会保障局", name_en="Pengjiang HRSS Bureau", region=region
    )
    content = dataclasses.replace(
        ItemContent.from_item(jh_card_item), code=jh_card_item.code.replace(JIANGHAI, PENGJIANG, 1), department="pj-rsj"
    )
    item = catalog.item_publish(actor=None, item=catalog.item_create_draft(actor=None, content=content))
    return {
        "region": region,
        "department": department,
        "item": item,
        "clerk": _staff("pj_clerk", department, Role.WINDOW_CLERK, region=region),
        "approver": _staff("pj_approver", department, Role.APPROVER),
    }


@pytest.fixture
def seals_and_licence_types(jianghai: None) -> None:
    """E-seals and licence types of 江海's departments (社会保障卡 is issued on approval).
    Ask for it before ``pengjiang``: the types are defined by the first item that outputs them."""
    from dgov.licences.demo import load_demo_licence_types, load_demo_seals

    load_demo_seals()
    load_demo_licence_types()


@pytest.fixture
def jh_approver(jianghai: None) -> User:
    """An approver of 江海区人力资源和社会保障局 (decides 江海's 社会保障卡申领)."""
    return _staff("jh_rsj_approver", Department.objects.get(code="rsj"), Role.APPROVER)


@pytest.fixture
def remote_items(pengjiang: dict[str, Any], peers: dict[str, Peer], jh_card_item: ServiceItem) -> dict[str, RemoteItem]:
    """Each side's copy of the other's 社会保障卡申领, read through the catalogue API."""
    copies = {
        PENGJIANG: services.remote_item_refresh(actor=None, peer=peers[PENGJIANG], code=pengjiang["item"].code),
        JIANGHAI: services.remote_item_refresh(actor=None, peer=peers[JIANGHAI], code=jh_card_item.code),
    }
    assert copies[PENGJIANG] is not None and copies[JIANGHAI] is not None
    return {PENGJIANG: copies[PENGJIANG], JIANGHAI: copies[JIANGHAI]}


def card_form(**changes: Any) -> dict[str, Any]:
    return {"address": "江门市蓬江区建设路1号（示例）", "bank": "中国银行", "delivery": "邮寄到家", **changes}


def photo_position(item: RemoteItem) -> int:
    return next(int(m["position"]) for m in item.materials if m.get("required"))


def hand_over(
    clerk: User, peer: Peer, item: RemoteItem, *, applicant: dict[str, str] | None = None, **kwargs: Any
) -> Handover:
    """The clerk takes in 社会保障卡申领 for the peer's region (the caller runs on-commit work)."""
    data = kwargs.pop("data", card_form())
    uploads = kwargs.pop("uploads", {photo_position(item): [photo()]})
    return services.handover_create(
        actor=clerk,
        peer=peer,
        item=item,
        applicant_details=applicant or APPLICANT,
        data=data,
        uploads=uploads,
        **kwargs,
    )


def open_task(case: Any) -> Task:
    return Task.objects.get(instance_id=case.instance_id, state__in=Task.OPEN_STATES)


@pytest.fixture
def jh_clerk(clerk: User) -> User:
    """江海's window clerk (demo account: role over the whole district)."""
    return clerk


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The HTTP transport must never be used by the tests."""
    import requests

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a test reached for the network")

    monkeypatch.setattr(requests, "post", refuse)
    monkeypatch.setattr(requests, "get", refuse)
    yield
