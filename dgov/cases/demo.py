"""Demo applications for `make run`: a few cases at different steps, so that every demo account
has something to look at (the window clerk's and the approver's queues, the applicant's cases).

Made through the services, as real applicants and staff would, on the day `make run` is started.
Idempotent: nothing is added when the demo applicants already have cases.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from dgov.accounts.models import User
from dgov.cases import services
from dgov.cases.models import Case, Channel
from dgov.catalog.models import ServiceItem
from dgov.esign.demo import drawn_signature
from dgov.workflow.models import Task

# A one-page PDF that says what it is; every demo upload is this file under another name.
_DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 52>>stream\nBT /F1 24 Tf 72 760 Td (Demo material / sample) Tj ET\nendstream endobj\n"
    b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

FOOD = {
    "premises": "江海区东海路 28 号首层（示例）",
    "business_form": "餐饮服务经营者",
    "business_items": "热食类食品制售；冷食类食品制售",
    "safety_manager": "李敏",
    "legal_representative": "李敏",
    "online_sales": False,
}
SHOP = {
    "trade_name": "江海区陈记杂货店（示例）",
    "premises": "江海区外海街道清兰社区兴业路 3 号（示例）",
    # Not in the catalogue of standard scope wording: the rules pass it to a person (转人工).
    "scope_category": "其他",
    "business_scope": "日用百货零售；旧书收购",
    "organisation": "个人经营",
    "capital": 5,
    "address": "江海区外海街道清兰社区（示例）",
}


def _uploads(item: ServiceItem) -> dict[int, list[SimpleUploadedFile]]:
    return {
        m.pk: [SimpleUploadedFile(f"材料{m.position}.pdf", _DEMO_PDF, content_type="application/pdf")]
        for m in item.materials.all()
        if services.material_needs_upload(m)
    }


def _submit(applicant: User, item_name: str, data: dict[str, object], *, actor: User | None = None) -> Case:
    item = ServiceItem.objects.get(name=item_name, status=ServiceItem.Status.PUBLISHED)
    values = {**services.prefill_for(applicant, item.form_schema), **data}
    if actor is not None:
        return services.case_submit(
            actor=actor, item=item, data=values, uploads={}, channel=Channel.WINDOW, applicant=applicant
        )
    # Online, the applicant signs on the pad (an enterprise's application carries its e-seal).
    signature = drawn_signature(applicant.real_name) if applicant.kind == User.Kind.CITIZEN else None
    return services.case_submit(actor=applicant, item=item, data=values, uploads=_uploads(item), signature=signature)


def _task(case: Case) -> Task:
    return Task.objects.get(instance_id=case.instance_id, state__in=Task.OPEN_STATES)


@transaction.atomic
def load_demo_cases() -> int:
    """Create the demo cases; returns how many were created (0 when they exist already)."""
    citizen = User.objects.filter(username="citizen").first()
    enterprise = User.objects.filter(username="enterprise").first()
    clerk = User.objects.filter(username="clerk").first()
    approver = User.objects.filter(username="approver").first()
    if not all((citizen, enterprise, clerk, approver)):
        return 0
    assert citizen and enterprise and clerk and approver
    if Case.objects.filter(applicant__in=[citizen, enterprise]).exists():
        return 0
    # 1. Waiting at the comprehensive window.
    _submit(enterprise, "食品经营许可", FOOD)
    # 2. Accepted, waiting for the approver's review.
    accepted = _submit(citizen, "个体工商户设立登记", SHOP)
    services.case_task_complete(actor=clerk, task=_task(accepted), decision="accept", opinion="材料齐全，予以受理")
    # 3. Waiting for the applicant's corrected materials.
    correcting = _submit(
        enterprise,
        "食品经营许可变更",
        {"licence_number": "JY14407040000001", "change_items": "经营场所面积", "legal_representative": "李敏"},
    )
    material = next(
        (
            m
            for m in correcting.item.materials.all()
            if m.source == m.Source.APPLICANT and not services.material_is_online_form(m)
        ),
        None,
    )
    if material is not None:
        services.case_task_complete(
            actor=clerk,
            task=_task(correcting),
            decision="request_correction",
            opinion="平面布局图不清晰，请重新上传",
            materials=[material.pk],
        )
    # 4. Entered at the window and concluded.
    done = _submit(citizen, "个体工商户设立登记", {**SHOP, "trade_name": "江海区陈记五金店（示例）"}, actor=clerk)
    services.case_task_complete(actor=clerk, task=_task(done), decision="accept", opinion="材料齐全")
    services.case_task_complete(actor=approver, task=_task(done), opinion="经营范围符合规定")
    services.case_task_complete(actor=approver, task=_task(done), decision="approve", opinion="准予登记")
    return 4
