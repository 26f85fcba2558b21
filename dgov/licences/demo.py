"""Demo seals, licence types and licences for `make run`.

Every department with a credit code gets a licence seal (电子证照专用章); every licence type a
published demo item outputs or accepts becomes a LicenceType issued by that item's department;
the demo enterprise holds a business licence and a food business licence, the demo citizen an
e-copy of their resident ID card. Idempotent.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from dgov.accounts.models import Department, User
from dgov.catalog.models import ItemMaterial, ServiceItem
from dgov.core.workdays import local_date
from dgov.licences import services
from dgov.licences.models import Licence, LicenceType, Seal


def _f(title: str, source: str, title_en: str = "", max_length: int = 200) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": "string", "title": title, "maxLength": max_length, "x-source": source}
    if title_en:
        spec["x-title-en"] = title_en
    return spec


_MATTER = _f("许可（登记）事项", "item.name", "Licensed matter")
_CASE = _f("办件编号", "case.number", "Case number", 32)
_DATE = _f("发证日期", "date.issued", "Date of issue", 20)

# Face fields beyond the common three, for the types the demo shows most.
FACES: dict[str, tuple[dict[str, dict[str, Any]], list[str]]] = {
    "food_business_licence": (
        {
            "premises": _f("经营场所", "form.premises", "Premises"),
            "business_form": _f("主体业态", "form.business_form", "Business form", 50),
            "business_items": _f("经营项目", "form.business_items", "Business items", 500),
            "safety_manager": _f("食品安全管理人员", "form.safety_manager", "Food safety manager", 50),
            "legal_representative": _f("法定代表人（负责人）", "form.legal_representative", "Legal representative", 50),
        },
        ["premises", "business_form", "business_items"],
    ),
    "business_licence": (
        {
            "trade_name": _f("名称", "form.trade_name", "Name", 100),
            "operator": _f("经营者", "holder.name", "Operator", 100),
            "organisation": _f("组成形式", "form.organisation", "Form of organisation", 50),
            "premises": _f("经营场所", "form.premises", "Premises"),
            "business_scope": _f("经营范围", "form.business_scope", "Business scope", 500),
        },
        ["trade_name", "operator", "business_scope"],
    ),
    "resident_id_card": (
        {
            "address": _f("住址", "const:广东省江门市江海区（示例）", "Address"),
            "authority": _f("签发机关", "issuer.name", "Issuing authority", 100),
        },
        ["authority"],
    ),
}

# Notes printed under the face fields (the rendering template's fixed text).
NOTES: dict[str, str] = {
    "food_business_licence": "许可证有效期内，经营场所、主体业态、经营项目等许可事项发生变化的，应当依法申请变更。",
    "business_licence": "个体工商户应当于每年1月1日至6月30日通过国家企业信用信息公示系统报送上一年度年度报告。",
}

# Types materials ask for that no demo item outputs: name and issuing department.
REFERENCED: dict[str, tuple[str, str]] = {
    "resident_id_card": ("居民身份证（电子证照）", "gaj"),
    "disability_certificate": ("中华人民共和国残疾人证", "mzj"),
    "birth_medical_certificate": ("出生医学证明", "wjj"),
    "physician_licence": ("医师执业证书", "wjj"),
    "construction_planning_permit": ("建设工程规划许可证", "zjj"),
    "putonghua_certificate": ("普通话水平测试等级证书", "jyj"),
    "vocational_skill_certificate": ("职业技能等级证书", "rsj"),
}


def _schema(code: str) -> dict[str, Any]:
    extra, required = FACES.get(code, ({}, []))
    props = {**extra, "matter": _MATTER, "case_number": _CASE, "issue_date": _DATE}
    return {
        "type": "object",
        "properties": props,
        "required": [*required, "issue_date"],
        "x-order": list(props),
    }


def load_demo_seals() -> int:
    made = 0
    for department in Department.objects.exclude(credit_code__isnull=True).exclude(credit_code=""):
        if department.seals.exists():
            continue
        services.seal_create(
            actor=None,
            department=department,
            name=f"{department.name}电子证照专用章",
            kind=Seal.Kind.LICENCE,
            is_demo=True,
        )
        made += 1
    return made


def load_demo_licence_types() -> int:
    wanted: dict[str, tuple[str, Department, bool]] = {}
    for item in ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED).exclude(output_licence_type=""):
        wanted.setdefault(
            item.output_licence_type, (item.result_name or item.name, item.department, item.subject == "person")
        )
    refs = ItemMaterial.objects.filter(source=ItemMaterial.Source.LICENCE, item__status=ServiceItem.Status.PUBLISHED)
    for code in sorted(set(refs.values_list("source_ref", flat=True))):
        if code in wanted or code not in REFERENCED:
            continue
        name, dept = REFERENCED[code]
        department = Department.objects.filter(code=dept).first()
        if department is not None:
            wanted[code] = (name, department, True)
    made = 0
    numbers: dict[str, int] = {}
    for code in sorted(wanted):
        name, department, personal = wanted[code]
        if not department.credit_code:
            continue
        numbers[department.credit_code] = numbers.get(department.credit_code, 0) + 1
        if LicenceType.objects.filter(code=code).exists():
            continue
        services.licence_type_upsert(
            code=code,
            defaults={
                "name": name,
                "definer_credit_code": department.credit_code,
                "type_number": f"{numbers[department.credit_code]:03d}",
                "issuer": department,
                "holder_kind": LicenceType.Holder.PERSON if personal else LicenceType.Holder.ENTERPRISE,
                "face_schema": _schema(code),
                "validity_years": 0 if code in ("business_licence", "resident_id_card") else 5,
                "print_title": name,
                "print_note": NOTES.get(code, ""),
                "is_demo": True,
            },
        )
        made += 1
    return made


def load_demo_wallets() -> int:
    enterprise = User.objects.filter(username="enterprise").first()
    citizen = User.objects.filter(username="citizen").first()
    if enterprise is None or citizen is None or Licence.objects.filter(holder_user__in=[enterprise, citizen]).exists():
        return 0
    made = 0
    # Issued when the demo is loaded, so the printed issue date and the signed one agree.
    start = local_date(timezone.now())
    issue_date = f"{start.year}年{start.month}月{start.day}日"
    company = {
        "holder_kind": LicenceType.Holder.ENTERPRISE,
        "holder_name": enterprise.enterprise_name,
        "holder_id": enterprise.enterprise_credit_code,
        "holder_user": enterprise,
    }
    wallet: list[tuple[str, dict[str, Any], dict[str, str]]] = [
        (
            "food_business_licence",
            company,
            {
                "premises": "江海区东海路 28 号首层（示例）",
                "business_form": "餐饮服务经营者",
                "business_items": "热食类食品制售",
                "safety_manager": "李敏",
                "legal_representative": "李敏",
                "matter": "食品经营许可",
                "issue_date": issue_date,
            },
        ),
        (
            "resident_id_card",
            {
                "holder_kind": LicenceType.Holder.PERSON,
                "holder_name": citizen.real_name,
                "holder_id": citizen.id_number,
                "holder_user": citizen,
            },
            {
                "address": "广东省江门市江海区外海街道（示例）",
                "authority": "江门市公安局江海分局",
                "issue_date": issue_date,
            },
        ),
    ]
    for code, holder, face in wallet:
        ltype = LicenceType.objects.filter(code=code).select_related("issuer").first()
        if ltype is None:
            continue
        services.licence_issue(actor=None, ltype=ltype, face=face, valid_from=start, **holder)
        made += 1
    return made


@transaction.atomic
def load_demo_licences() -> dict[str, int]:
    return {
        "seals": load_demo_seals(),
        "licence_types": load_demo_licence_types(),
        "licences": load_demo_wallets(),
    }
