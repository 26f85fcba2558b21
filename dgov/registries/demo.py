"""Demo records of the base registries for `make run` and the tests.

A person record for every demo citizen account and an enterprise record for every demo enterprise
account of dgov.accounts.demo (same ID numbers and credit codes, so prefill finds them), and a few
more residents and market entities that the instant-approval items of the demo need:

==================  ==========================  ===================================================
ID number           who (age on 2026-11-27)     for
==================  ==========================  ===================================================
440704195603120019  陈伯文, 70, 外海街道         the demo account ``citizen``
440704193806181023  梁桂英, 88, 礼乐街道         高龄津贴: 80 or over, household in Jianghai
440704195109031117  黄炳坤, 75, 外海街道         70–79: below the 高龄津贴 age
440703194311051225  欧阳秀珍, 83, 蓬江区户籍      80 or over but household outside the district
440704198202141330  何家明, 44, 江南街道         disability grade 2 (physical): 重度残疾人护理补贴
440704196007081417  吴耀祖, 66, 礼乐街道 (rural) 特困 (extreme hardship support)
440704197012021528  李秀兰, 55, 外海街道         低保 with disability grade 3: 困难残疾人生活补贴
44070419981030162X  张晓琳, 28, 江南街道         no medical insurance: 居民医保参保登记
440704199005161732  陈少华, 36, 外海街道         social security card reported lost: 补领
440704202010151816  陈思远, 6, 外海街道          a child of school age: 义务教育入学
440704194003031915  李锦棠, deceased            deceased (a family applies after a death)
==================  ==========================  ===================================================

Enterprises: the demo account ``enterprise``'s (914407040UH1R2MPKA, legal representative 李敏), 宏达五金
(9144070469P11PK52R) with its business licence revoked (吊销) and 阿华大排档 (92440704L2Q86R5LFW),
an individual business (个体工商户) run by 陈少华. Everything invented is marked （示例）.

Idempotent: a record whose key is in the registry is left alone; a second run writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from dgov.accounts.demo import DEMO_ACCOUNTS, _demo_credit_code, _demo_id_number
from dgov.accounts.models import User
from dgov.core.validation import id_number_check_char
from dgov.registries import selectors, services
from dgov.registries.models import EnterpriseRecord, PersonRecord, SubjectKind

P = PersonRecord
WAIHAI = "江门市江海区外海街道"
LILE = "江门市江海区礼乐街道"
JIANGNAN = "江门市江海区江南街道"
CIVIL = "江门市公安局江海分局（户籍）；江海区民政局；江门市医疗保障局江海分局；江海区人力资源和社会保障局"
DISABLED = CIVIL + "；江海区残疾人联合会"
MARKET = "江海区市场监督管理局"


def _id(region: str, birth: str, seq: str) -> str:
    """A demo ID number with a valid GB 11643 check character (seq: odd for men, even for women)."""
    first17 = f"{region}{birth}{seq}"
    return first17 + id_number_check_char(first17)


@dataclass(frozen=True)
class DemoPerson:
    id_number: str
    purpose: str  # what the record is for in the demo (documentation and the tests)
    data: dict[str, Any] = field(default_factory=dict)


def _person(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "ethnicity": "汉族",
        "household_type": P.HouseholdType.URBAN,
        "marital_status": P.MaritalStatus.MARRIED,
        "hukou_head": True,
        "medical_insurance_status": P.MedicalInsurance.RESIDENTS,
        "social_security_card_status": P.SocialSecurityCard.NORMAL,
        "source": CIVIL,
    }
    base.update(values)
    if not base.get("residence_address"):
        base["residence_address"] = base["household_address"]
    return base


# Details of the demo accounts' people, by username (the rest comes from the account spec).
ACCOUNT_PERSONS: dict[str, dict[str, Any]] = {
    "citizen": _person(
        household_address=WAIHAI + "清兰社区清兰路18号（示例）",
        household_number="440704004005018",
        marital_status=P.MaritalStatus.MARRIED,
        medical_insurance_status=P.MedicalInsurance.EMPLOYEES,
    ),
}

EXTRA_PERSONS = [
    DemoPerson(
        _id("440704", "19380618", "102"),
        "80 or over, household in Jianghai: 高龄津贴",
        _person(
            name="梁桂英（示例）",
            household_address=LILE + "新华村新华大道32号（示例）",
            household_region="440704005201",
            household_number="440704005201032",
            household_type=P.HouseholdType.RURAL,
            marital_status=P.MaritalStatus.WIDOWED,
            phone="13800000101",
        ),
    ),
    DemoPerson(
        _id("440704", "19510903", "111"),
        "aged 70–79: below the 高龄津贴 age",
        _person(
            name="黄炳坤（示例）",
            household_address=WAIHAI + "金溪社区金溪路6号（示例）",
            household_region="440704004002",
            household_number="440704004002006",
            medical_insurance_status=P.MedicalInsurance.EMPLOYEES,
            phone="13800000102",
        ),
    ),
    DemoPerson(
        _id("440703", "19431105", "122"),
        "80 or over but household outside the district (蓬江区): 高龄津贴 refused",
        _person(
            name="欧阳秀珍（示例）",
            household_address="江门市蓬江区环市街道建设路20号（示例）",
            household_region="440703",
            household_number="440703001020",
            residence_address=JIANGNAN + "江翠社区江翠路88号（示例）",
            marital_status=P.MaritalStatus.WIDOWED,
            phone="13800000103",
        ),
    ),
    DemoPerson(
        _id("440704", "19820214", "133"),
        "disability grade 2 (physical): 重度残疾人护理补贴",
        _person(
            name="何家明（示例）",
            household_address=JIANGNAN + "滘头社区滘头大街15号（示例）",
            household_region="440704001001",
            household_number="440704001001015",
            disability_grade=P.DisabilityGrade.GRADE_2,
            disability_kind=P.DisabilityKind.PHYSICAL,
            marital_status=P.MaritalStatus.UNMARRIED,
            source=DISABLED,
            phone="13800000104",
        ),
    ),
    DemoPerson(
        _id("440704", "19600708", "141"),
        "特困 (extreme hardship support), rural household",
        _person(
            name="吴耀祖（示例）",
            household_address=LILE + "威东村威东路3号（示例）",
            household_region="440704005204",
            household_number="440704005204003",
            household_type=P.HouseholdType.RURAL,
            marital_status=P.MaritalStatus.UNMARRIED,
            subsistence_status=P.Subsistence.EXTREME_HARDSHIP,
        ),
    ),
    DemoPerson(
        _id("440704", "19701202", "152"),
        "低保 with disability grade 3 (visual): 困难残疾人生活补贴",
        _person(
            name="李秀兰（示例）",
            household_address=WAIHAI + "银泉社区银泉里9号（示例）",
            household_region="440704004007",
            household_number="440704004007009",
            marital_status=P.MaritalStatus.DIVORCED,
            disability_grade=P.DisabilityGrade.GRADE_3,
            disability_kind=P.DisabilityKind.VISUAL,
            subsistence_status=P.Subsistence.SUBSISTENCE,
            source=DISABLED,
            phone="13800000106",
        ),
    ),
    DemoPerson(
        _id("440704", "19981030", "162"),
        "no medical insurance: 居民医保参保登记",
        _person(
            name="张晓琳（示例）",
            household_address=JIANGNAN + "东海社区东海路26号（示例）",
            household_region="440704001004",
            household_number="440704001004026",
            hukou_head=False,
            marital_status=P.MaritalStatus.UNMARRIED,
            medical_insurance_status=P.MedicalInsurance.NONE,
            social_security_card_status=P.SocialSecurityCard.NONE,
            phone="13800000107",
        ),
    ),
    DemoPerson(
        _id("440704", "19900516", "173"),
        "social security card reported lost: 社会保障卡补领",
        _person(
            name="陈少华（示例）",
            household_address=WAIHAI + "墟镇社区外海大道101号（示例）",
            household_region="440704004001",
            household_number="440704004001101",
            medical_insurance_status=P.MedicalInsurance.EMPLOYEES,
            social_security_card_status=P.SocialSecurityCard.LOST,
            phone="13800000108",
        ),
    ),
    DemoPerson(
        _id("440704", "20201015", "181"),
        "a child of school age: 义务教育新生入学",
        _person(
            name="陈思远（示例）",
            household_address=WAIHAI + "清兰社区清兰路18号（示例）",
            household_region="440704004005",
            household_number="440704004005018",
            hukou_head=False,
            marital_status=P.MaritalStatus.UNMARRIED,
            social_security_card_status=P.SocialSecurityCard.NONE,
        ),
    ),
    DemoPerson(
        _id("440704", "19400303", "191"),
        "deceased: the family applies for the funeral subsidy",
        _person(
            name="李锦棠（示例）",
            household_address=LILE + "五四村五四路11号（示例）",
            household_region="440704005210",
            household_number="440704005210011",
            household_type=P.HouseholdType.RURAL,
            is_deceased=True,
        ),
    ),
]

# 陈少华 runs the individual business below.
HAWKER_ID = EXTRA_PERSONS[7].id_number


def _account_persons() -> list[DemoPerson]:
    """The demo citizen accounts' people, with the ID numbers dgov.accounts.demo gives them."""
    people = []
    for n, spec in enumerate(DEMO_ACCOUNTS, start=1):
        if spec.kind != User.Kind.CITIZEN:
            continue
        details = ACCOUNT_PERSONS.get(spec.username) or _person(household_address=WAIHAI + "（示例）", hukou_head=False)
        data = {
            **details,
            "name": spec.real_name,
            "household_region": spec.region or "440704",
            "phone": spec.phone,
        }
        people.append(DemoPerson(_demo_id_number(spec.id_birth, f"{n:03d}"), f"demo account {spec.username}", data))
    return people


def demo_persons() -> list[DemoPerson]:
    return [*_account_persons(), *EXTRA_PERSONS]


@dataclass(frozen=True)
class DemoEnterprise:
    credit_code: str
    purpose: str
    data: dict[str, Any] = field(default_factory=dict)


def _account_enterprises() -> list[DemoEnterprise]:
    out = []
    for n, spec in enumerate(DEMO_ACCOUNTS, start=1):
        if spec.kind != User.Kind.ENTERPRISE:
            continue
        data = {
            "name": spec.extra.get("enterprise_name") or f"{spec.real_name}（示例）",
            "kind": EnterpriseRecord.Kind.COMPANY,
            "legal_representative": spec.real_name,
            "legal_representative_id_number": _demo_id_number(spec.id_birth, f"{n:03d}"),
            "registered_address": JIANGNAN + "江南社区高新西路168号3栋501室（示例）",
            "registered_region": spec.region or "440704",
            "business_scope": "电子元器件制造；电子产品销售；软件开发；技术服务、技术开发、技术咨询。（示例）",
            "registered_capital": Decimal("500"),
            "established_on": date(2016, 4, 18),
            "status": EnterpriseRecord.Status.ACTIVE,
            "source": MARKET,
        }
        out.append(
            DemoEnterprise(_demo_credit_code(spec.username, kind_prefix="91"), f"demo account {spec.username}", data)
        )
    return out


EXTRA_ENTERPRISES = [
    DemoEnterprise(
        _demo_credit_code("registries-revoked", kind_prefix="91"),
        "business licence revoked (吊销)",
        {
            "name": "江门市江海区宏达五金制品有限公司（示例）",
            "kind": EnterpriseRecord.Kind.COMPANY,
            "legal_representative": "黄炳坤（示例）",
            "legal_representative_id_number": EXTRA_PERSONS[1].id_number,
            "registered_address": WAIHAI + "外海大道工业区12号（示例）",
            "registered_region": "440704004001",
            "business_scope": "五金制品加工、销售。（示例）",
            "registered_capital": Decimal("100"),
            "established_on": date(2005, 9, 1),
            "status": EnterpriseRecord.Status.REVOKED,
            "source": MARKET,
        },
    ),
    DemoEnterprise(
        _demo_credit_code("registries-hawker", kind_prefix="92"),
        "individual business (个体工商户)",
        {
            "name": "江门市江海区外海阿华大排档（示例）",
            "kind": EnterpriseRecord.Kind.INDIVIDUAL_BUSINESS,
            "legal_representative": "陈少华（示例）",
            "legal_representative_id_number": HAWKER_ID,
            "registered_address": WAIHAI + "墟镇社区外海大道105号首层（示例）",
            "registered_region": "440704004001",
            "business_scope": "餐饮服务。（示例）",
            "registered_capital": None,
            "established_on": date(2019, 6, 10),
            "status": EnterpriseRecord.Status.ACTIVE,
            "source": MARKET,
        },
    ),
]


def demo_enterprises() -> list[DemoEnterprise]:
    return [*_account_enterprises(), *EXTRA_ENTERPRISES]


def _demo_reads() -> int:
    """One read of each demo account's record, so their "who used my data" pages are not empty."""
    made = 0
    clerk = User.objects.filter(username="clerk").first()
    approver = User.objects.filter(username="approver").first()
    citizen = User.objects.filter(username="citizen", kind=User.Kind.CITIZEN).first()
    enterprise = User.objects.filter(username="enterprise", kind=User.Kind.ENTERPRISE).first()
    wanted = [
        (citizen, SubjectKind.PERSON, clerk, ["person.household"], "综合窗口核验户籍信息（示例）"),
        (
            enterprise,
            SubjectKind.ENTERPRISE,
            approver,
            ["enterprise.registration", "enterprise.legal_representative"],
            "食品经营许可审查核验主体信息（示例）",
        ),
    ]
    for holder, kind, actor, fields, purpose in wanted:
        if holder is None or actor is None:
            continue
        key = holder.id_number if kind == SubjectKind.PERSON else holder.enterprise_credit_code
        subject = selectors.person_get(key) if kind == SubjectKind.PERSON else selectors.enterprise_get(key)
        if subject is None or subject.reads.exists():
            continue
        services.registry_read(subject_kind=kind, key=key, fields=fields, purpose=purpose, actor=actor)
        made += 1
    return made


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Add the demo records that are missing; returns how many persons, enterprises and reads were added."""
    persons = enterprises = 0
    for person in demo_persons():
        if selectors.person_get(person.id_number) is None:
            services.person_record_create(actor=None, id_number=person.id_number, data=person.data)
            persons += 1
    for ent in demo_enterprises():
        if selectors.enterprise_get(ent.credit_code) is None:
            services.enterprise_record_create(actor=None, credit_code=ent.credit_code, data=ent.data)
            enterprises += 1
    return {"persons": persons, "enterprises": enterprises, "reads": _demo_reads()}
