"""Bundles personas and data.

The bundle under test (``pension_bundle``) is made of three published demo items of two
departments: 残疾人两项补贴 (区民政局, mzj), 城乡居民基本养老保险待遇申领 and 社会保障卡申领 (both
区人社局, rsj). The first two share the field ``bank_account`` and the material 本人银行账户信息
(uploaded once, stored for both); all three share the applicant's name, ID number, phone and
address and the resident ID card (an e-licence). The citizen applies; the district's window
clerk accepts; an approver of each department reviews and decides. ``rsj_clerk`` is a window clerk
of 人社局 only, who may not enter the bundle at the window."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dgov.accounts.models import Department, User
from dgov.accounts.services import role_grant, user_create
from dgov.bundles import services
from dgov.bundles.merging import MergedForm
from dgov.bundles.models import Bundle, BundleCase
from dgov.bundles.selectors import bundle_form
from dgov.cases import services as cases
from dgov.cases.models import Case, Channel
from dgov.cases.tests.conftest import signature_of, signature_post, signs
from dgov.catalog.models import ServiceItem
from dgov.core.validation import id_number_check_char
from dgov.esign.services import SignatureInput
from dgov.licences import services as licences
from dgov.licences.demo import load_demo_licence_types, load_demo_seals
from dgov.licences.sealimage import seal_png
from dgov.workflow.models import Task

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100

ALLOWANCE = "残疾人两项补贴"
PENSION = "城乡居民基本养老保险待遇申领"
CARD = "社会保障卡申领"
BANK_MATERIAL = "本人银行账户信息"
PHOTO_MATERIAL = "近期免冠彩色证件照片"


def pdf(name: str = "scan.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploaded files go to a throwaway folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


def published(name: str) -> ServiceItem:
    return ServiceItem.objects.get(name=name, status=ServiceItem.Status.PUBLISHED)


def make_staff(username: str, department: str, role: str, *, scoped: bool = True) -> User:
    dept = Department.objects.get(code=department)
    user = user_create(
        actor=None,
        username=username,
        password="Kx7#pL2!wQ9z-2025",
        kind="staff",
        real_name=username,
        department=dept,
        is_demo=True,
    )
    role_grant(actor=None, user=user, role=role, department=dept if scoped else None)
    return user


@pytest.fixture
def pension_bundle(jianghai: None) -> Bundle:
    bundle = services.bundle_create(
        actor=None,
        content=services.BundleContent(
            code="canji-yanglao",
            name="残疾人补贴与养老一件事（测试）",
            name_en="Disability allowance and pension (test)",
            life_event="disability",
            description="测试用",
            item_codes=(published(ALLOWANCE).code, published(PENSION).code, published(CARD).code),
        ),
    )
    return services.bundle_publish(actor=None, bundle=bundle)


@pytest.fixture
def merged(pension_bundle: Bundle) -> MergedForm:
    return bundle_form(pension_bundle)


@pytest.fixture
def mzj_approver(jianghai: None) -> User:
    return make_staff("mzj_approver", "mzj", "approver")


@pytest.fixture
def rsj_approver(jianghai: None) -> User:
    return make_staff("rsj_approver", "rsj", "approver")


@pytest.fixture
def rsj_clerk(jianghai: None) -> User:
    """A window clerk of 区人社局 only: the bundle's 民政 item is outside their role."""
    return make_staff("rsj_clerk", "rsj", "window_clerk")


@pytest.fixture
def other_citizen(jianghai: None) -> User:
    return user_create(
        actor=None,
        username="other_citizen",
        password="Zq8!mV3#tR6p-2025",
        kind="citizen",
        real_name="林小梅",
        id_number="4407041990010100" + "2" + id_number_check_char("44070419900101002"),
        phone="13800000099",
    )


def material_key(merged: MergedForm, name: str) -> int:
    return next(m.key for m in merged.materials if m.material.name == name)


def form_data(applicant: User, merged: MergedForm, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for item in merged.items:
        data.update(cases.prefill_for(applicant, item.form_schema))
    data.update(
        {
            "address": "江海区外海街道兴业路 5 号（示例）",
            "allowance": "困难残疾人生活补贴",
            "certificate_number": "44070419560312001X11",
            "bank_account": "6222020000000000001",
            "bank": "中国银行",
            "delivery": "邮寄到家",
        }
    )
    data.update(changes)
    return data


def uploads(merged: MergedForm) -> dict[int, list[SimpleUploadedFile]]:
    return {
        material_key(merged, BANK_MATERIAL): [pdf("bank.pdf")],
        material_key(merged, PHOTO_MATERIAL): [SimpleUploadedFile("photo.png", PNG, content_type="image/png")],
    }


def bundle_signs(applicant: User, merged: MergedForm, channel: str = Channel.ONLINE) -> bool:
    """Whether the bundle's apply form asks the applicant to sign (once, for every child)."""
    return any(signs(applicant, item, channel) for item in merged.items)


def bundle_signature(applicant: User, merged: MergedForm, channel: str = Channel.ONLINE) -> SignatureInput | None:
    """The applicant's drawn signature when the bundle's form asks for one (None otherwise)."""
    return signature_of(applicant) if bundle_signs(applicant, merged, channel) else None


def bundle_signature_post(applicant: User, merged: MergedForm) -> dict[str, str]:
    """The bundle apply page's signing fields for a drawn signature ({} when it asks for none)."""
    return signature_post(applicant) if bundle_signs(applicant, merged) else {}


def submit(applicant: User, bundle: Bundle, merged: MergedForm, **kwargs: Any) -> BundleCase:
    """Submit the bundle online; the applicant signs when the form asks them to."""
    channel = kwargs.get("channel", Channel.ONLINE)
    if "signature" not in kwargs and channel != Channel.WINDOW:
        kwargs["signature"] = bundle_signature(applicant, merged, channel)
    return services.bundle_submit(
        actor=applicant,
        bundle=bundle,
        data=kwargs.pop("data", None) or form_data(applicant, merged),
        uploads=kwargs.pop("uploads", None) or uploads(merged),
        **kwargs,
    )


def child_of(parent: BundleCase, name: str) -> Case:
    return Case.objects.get(bundle_child__parent=parent, item__name=name)


def open_task(case: Case) -> Task:
    return Task.objects.get(instance_id=case.instance_id, state__in=Task.OPEN_STATES)


def decide(case: Case, *, clerk: User, approver: User, result: str = "approve", opinion: str = "符合条件") -> Case:
    """Accept at the window, review and decide: the standard process of a case."""
    cases.case_task_complete(actor=clerk, task=open_task(case), decision="accept", opinion="材料齐全")
    cases.case_task_complete(actor=approver, task=open_task(case), opinion="已审查")
    return cases.case_task_complete(actor=approver, task=open_task(case), decision=result, opinion=opinion)


# Drawing a seal picture is most of the licences demo's time; each department's is drawn once.
_seal_png_once = functools.lru_cache(maxsize=None)(seal_png)


@pytest.fixture
def licences_demo(jianghai: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seals and licence types, so that an approved 社会保障卡申领 issues an e-licence."""
    monkeypatch.setattr(licences, "seal_png", _seal_png_once)
    load_demo_seals()
    load_demo_licence_types()
