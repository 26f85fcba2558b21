"""Cases personas and helpers: the demo citizen and enterprise apply, the district's window clerk
accepts, 市场监管's approver decides; the outsider is an approver of 民政 who must see nothing."""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dgov.accounts.models import User
from dgov.cases import services
from dgov.cases.models import Case, Channel
from dgov.catalog.models import ItemMaterial, ServiceItem
from dgov.esign.demo import drawn_signature
from dgov.esign.services import SELF_SERVICE_CHANNELS, SignatureInput
from dgov.workflow.models import Task

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100


def pdf(name: str = "scan.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploaded files go to a throwaway folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


@pytest.fixture
def enterprise(jianghai: None) -> User:
    return User.objects.get(username="enterprise")


@pytest.fixture
def food_item(jianghai: None) -> ServiceItem:
    """食品经营许可 (scjg, for individuals and enterprises, fully online, promised in 3 working days)."""
    return ServiceItem.objects.get(name="食品经营许可", status=ServiceItem.Status.PUBLISHED)


FOOD_FORM = {
    "premises": "江海区五邑路1号（示例）",
    "business_form": "餐饮服务经营者",
    "business_items": "热食类食品制售",
    "safety_manager": "李敏",
    "legal_representative": "李敏",
    "online_sales": "false",
}


def food_data(applicant: User, **changes: Any) -> dict[str, Any]:
    data = {
        **services.prefill_for(applicant, ServiceItem.objects.get(name="食品经营许可", status="published").form_schema)
    }
    data.update(FOOD_FORM)
    data.update(changes)
    return data


def uploads_for(item: ServiceItem) -> dict[int, list[SimpleUploadedFile]]:
    """One PDF for every material an online applicant must upload."""
    return {m.pk: [pdf(f"m{m.position}.pdf")] for m in item.materials.all() if services.material_needs_upload(m)}


# --- Signing (免手写签名): a citizen signs an online application the form asks them to sign ---------


@cache
def _drawing(name: str) -> bytes:
    signature = drawn_signature(name)
    assert isinstance(signature.drawing, bytes)
    return signature.drawing


def signs(applicant: User, item: ServiceItem, channel: str = Channel.ONLINE) -> bool:
    """Whether the apply form asks the applicant to sign: a person applying on their own device
    for an item exempt from handwritten signatures (an enterprise signs with its e-seal)."""
    return channel in SELF_SERVICE_CHANNELS and applicant.kind == User.Kind.CITIZEN and item.e_signature


def signature_of(applicant: User) -> SignatureInput:
    """The applicant's name drawn on the signature pad."""
    return SignatureInput(kind="drawn", drawing=_drawing(applicant.real_name or applicant.username))


def signature_for(applicant: User, item: ServiceItem, channel: str = Channel.ONLINE) -> SignatureInput | None:
    """What the applicant signs the application with (None when the form asks for no signature)."""
    return signature_of(applicant) if signs(applicant, item, channel) else None


def signature_data_url(applicant: User) -> str:
    """The drawn signature as the signature pad puts it in the form: a PNG data URL."""
    return "data:image/png;base64," + base64.b64encode(_drawing(applicant.real_name or applicant.username)).decode()


def signature_post(applicant: User, item: ServiceItem | None = None) -> dict[str, str]:
    """The apply page's signing fields for a drawn signature ({} when the form asks for none)."""
    if item is not None and not signs(applicant, item):
        return {}
    return {"signature_method": "drawn", "signature_drawing": signature_data_url(applicant)}


def signature_api(applicant: User, item: ServiceItem | None = None) -> dict[str, Any]:
    """The API payload's ``signature`` entry for a drawn signature ({} when the item asks for none)."""
    if item is not None and not signs(applicant, item):
        return {}
    return {"signature": {"kind": "drawn", "image": signature_data_url(applicant)}}


def submit(applicant: User, item: ServiceItem, **kwargs: Any) -> Case:
    """Submit 食品经营许可-style data; an online applicant signs when the form asks them to."""
    channel = kwargs.get("channel", Channel.ONLINE)
    if "signature" not in kwargs and channel in SELF_SERVICE_CHANNELS:
        kwargs["signature"] = signature_for(applicant, item, channel)
    return services.case_submit(
        actor=applicant, item=item, data=food_data(applicant), uploads=uploads_for(item), **kwargs
    )


def open_task(case: Case) -> Task:
    return Task.objects.get(instance_id=case.instance_id, state__in=Task.OPEN_STATES)


def uploadable(item: ServiceItem) -> list[ItemMaterial]:
    return [m for m in item.materials.all() if services.material_needs_upload(m)]


# --- Fixtures of the permission, transition, input, API, deadline, numbering and page tests ---


@pytest.fixture
def colleague(jianghai: None) -> User:
    """A second window clerk, of 区市场监督管理局, to race the district clerk for one task."""
    from dgov.accounts.models import Department
    from dgov.accounts.services import role_grant, user_create

    scjg = Department.objects.get(code="scjg")
    user = user_create(
        actor=None,
        username="colleague",
        password="Colleague-pass-2025!",
        kind="staff",
        real_name="何晓彤",
        department=scjg,
    )
    role_grant(actor=None, user=user, role="window_clerk", department=scjg)
    return user


@pytest.fixture
def card_item(jianghai: None) -> ServiceItem:
    """社会保障卡申领 (人社局, individuals only, also through partner outlets; one photo to upload)."""
    return ServiceItem.objects.get(name="社会保障卡申领", status=ServiceItem.Status.PUBLISHED)


@pytest.fixture
def citizen_food_data(citizen: User) -> dict[str, Any]:
    """What the citizen (a sole trader) fills in for 食品经营许可."""
    return food_data(citizen, org_name="陈记小吃店", credit_code="914407040UH1R2MPKA", contact_phone="13800000001")


@pytest.fixture
def card_data(citizen: User, card_item: ServiceItem) -> dict[str, Any]:
    return {**services.prefill_for(citizen, card_item.form_schema), "bank": "中国银行", "delivery": "邮寄到家"}
