"""Indicators personas and hand-built data.

Personas (the demo accounts, loaded by the root conftest's ``jianghai``):

- ``leader``: 周建国, leader with a role scoped to the district region (440704): every indicator
  and every scope;
- ``data_officer``: 孔晓彤, the district's data officer (scoped to 440704): reads everything and
  reports values, changes targets, takes snapshots;
- ``dept_admin``: 区永康, department administrator of 区市场监督管理局 (scjg): that department's slice only;
- ``outsider``: the root conftest's member of staff of 区民政局 (mzj), an approver there, with no
  indicator role;
- ``citizen``: the root conftest's demo citizen.

Every test here starts from an empty catalogue (the session loads the demo items), no kiosks, no
bundles and no activity, so the figures it expects are the ones it builds. Time is frozen at
``NOW`` (10:00 on 15 June 2025, Beijing) by ``frozen``; ``TODAY`` is that Beijing day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType

from dgov.accounts.models import ActiveDay, Department, Region, User
from dgov.bundles.models import Bundle
from dgov.cases.models import Case
from dgov.catalog.models import Kiosk, LifeEvent, ServiceItem
from dgov.core.workdays import CALENDAR_TZ
from dgov.indicators import computation
from dgov.indicators.computation import Result, Scope
from dgov.indicators.models import Indicator
from dgov.licences.models import Licence, LicenceType, LicenceUse, Seal, SealKey
from dgov.ratings.models import Rating

NOW = datetime(2025, 6, 15, 10, 0, tzinfo=CALENDAR_TZ)
TODAY = date(2025, 6, 15)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100

# The 14 indicators the platform computes (a provider is registered for each) and, of them, the 9
# counted by department (so with department and 街道 slices).
COMPUTED = {
    "online_full_process_rate",
    "zero_visit_rate",
    "one_window_rate",
    "four_exemptions_rate",
    "life_event_bundles",
    "kiosk_subdistrict_coverage",
    "cross_province_rate",
    "rating_score",
    "citizen_app_dau",
    "enterprise_app_dau",
    "staff_app_dau",
    "e_licence_use_rate",
    "e_seal_coverage",
    "sso_rate",
}
BY_DEPARTMENT = {
    "online_full_process_rate",
    "zero_visit_rate",
    "one_window_rate",
    "four_exemptions_rate",
    "cross_province_rate",
    "sso_rate",
    "rating_score",
    "staff_app_dau",
    "e_licence_use_rate",
}
REPORTED = {
    "unified_governance_coverage",
    "video_terminals",
    "sensor_terminals",
    "data_sharing_fulfilment",
    "smart_scenarios",
    "open_datasets",
    "extranet_access_rate",
}
# 29 departments and 3 街道 in the Jianghai reference data.
DEPARTMENTS = 29
SUBDISTRICTS = 3
JIANGNAN = "440704001000"  # 江南街道: its only department is its subdistrict office (jnjd)
WAIHAI = "440704004000"
LILE = "440704005000"


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploaded evidence goes to a throwaway folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


@pytest.fixture(autouse=True)
def nothing_measured(request: pytest.FixtureRequest) -> None:
    """Start from no catalogue items (the session loads the demo catalogue) and none of the other
    things the indicators count, so each test's figures are the ones it builds."""
    names = set(request.fixturenames)
    if "transactional_db" in names:
        request.getfixturevalue("transactional_db")
    elif names & {"db", "jianghai"} or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
    else:
        return
    LicenceUse.objects.all().delete()
    Rating.objects.all().delete()
    ServiceItem.objects.all().delete()
    Bundle.objects.all().delete()
    Kiosk.objects.all().delete()
    ActiveDay.objects.all().delete()


@pytest.fixture
def frozen(time_machine: Any) -> datetime:
    """Time stands still at NOW (10:00, 15 June 2025, Beijing)."""
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def leader(jianghai: None) -> User:
    return User.objects.get(username="leader")


@pytest.fixture
def data_officer(jianghai: None) -> User:
    return User.objects.get(username="dataofficer")


@pytest.fixture
def dept_admin(jianghai: None) -> User:
    return User.objects.get(username="deptadmin")


# --- Reading -----------------------------------------------------------------------------------


def indicator(key: str) -> Indicator:
    return Indicator.objects.get(key=key)


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


def district() -> Scope:
    return computation.district_scope()


def dept_scope(code: str) -> Scope:
    return computation.department_scope(dept(code))


def sub_scope(code: str) -> Scope:
    return computation.subdistrict_scope(Region.objects.get(code=code))


def measure(key: str, scope: Scope | None = None, day: date = TODAY) -> Result:
    """What a snapshot of ``day`` computes for the indicator and scope."""
    ind = indicator(key)
    return computation.compute(ind, computation.period_for(ind, day), scope or district())


def at(text: str) -> datetime:
    """A Beijing moment: at("2025-01-01 00:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=CALENDAR_TZ)


# --- Building ----------------------------------------------------------------------------------

_serial = count(1)


def item(
    code: str,
    department: str = "scjg",
    *,
    kind: str = ServiceItem.Kind.LICENSING,
    status: str = ServiceItem.Status.PUBLISHED,
    version: int = 1,
    **flags: Any,
) -> ServiceItem:
    """One catalogue item version with the given flags (online_depth, max_visits, high_frequency …)."""
    return ServiceItem.objects.create(
        code=code,
        basic_code="XK00000000",
        version=version,
        status=status,
        name=f"测试事项 {code}",
        department=dept(department),
        kind=kind,
        subject=ServiceItem.Subject.BOTH,
        legal_basis="《中华人民共和国行政许可法》",
        conditions="符合条件的申请人。",
        statutory_days=20,
        promised_days=5,
        published_at=NOW - timedelta(days=30) if status != ServiceItem.Status.DRAFT else None,
        **flags,
    )


def bundle(code: str, *, status: str = Bundle.Status.PUBLISHED, published_at: datetime | None = None) -> Bundle:
    return Bundle.objects.create(
        code=code,
        name=f"一件事 {code}",
        life_event=LifeEvent.objects.order_by("pk").first(),
        status=status,
        published_at=published_at,
    )


def kiosk(code: str, region: str, installed_on: date, retired_on: date | None = None) -> Kiosk:
    return Kiosk.objects.create(
        code=code,
        name=f"一体机 {code}",
        region=Region.objects.get(code=region),
        address="测试地址",
        installed_on=installed_on,
        retired_on=retired_on,
    )


def rating(level: int, department: str, when: datetime, *, excluded: bool = False, rater: User | None = None) -> Rating:
    """A rating of some served thing (a fresh id each time, so one rater may rate many)."""
    return Rating.objects.create(
        rated_type=ContentType.objects.get_for_model(ServiceItem),
        rated_id=next(_serial),
        rater=rater or User.objects.get(username="citizen"),
        department=dept(department),
        channel="site",
        service_channel="online",
        level=level,
        created_at=when,
        excluded_at=when + timedelta(days=1) if excluded else None,
    )


def person(username: str, kind: str = User.Kind.CITIZEN, department: str | None = None) -> User:
    from dgov.accounts.services import user_create

    extra: dict[str, Any] = {}
    if kind == User.Kind.ENTERPRISE:
        extra = {"enterprise_name": f"{username} 公司", "enterprise_credit_code": "91440704MA4UXXXX0X"}
    return user_create(
        actor=None,
        username=username,
        password="Person-pass-2025!",
        kind=kind,
        real_name="测试人",
        department=dept(department) if department else None,
        **extra,
    )


def active(user: User, day: date) -> ActiveDay:
    return ActiveDay.objects.create(user=user, day=day, kind=user.kind)


def seal(department: str, *, status: str = Seal.Status.ACTIVE, valid_from: datetime, valid_until: datetime) -> Seal:
    n = next(_serial)
    return Seal.objects.create(
        code=f"44070405{n:06d}",
        department=dept(department),
        name=f"测试章 {n}",
        image_png=b"\x89PNG",
        valid_from=valid_from,
        valid_until=valid_until,
        status=status,
    )


def _licence() -> Licence:
    """A licence to present: issued by scjg's seal (made here, active, valid 2020–2030)."""
    existing = Licence.objects.filter(identifier="test-licence").first()
    if existing is not None:
        return existing
    the_seal = seal("scjg", valid_from=at("2020-01-01 00:00"), valid_until=at("2030-01-01 00:00"))
    key = SealKey.objects.create(seal=the_seal, key_id=f"key{the_seal.pk}", public_key="04", private_key_enc="x")
    ltype = LicenceType.objects.create(
        code="test_licence",
        name="测试证照",
        definer_credit_code="11440704000000000X",
        type_number="901",
        issuer=dept("scjg"),
    )
    return Licence.objects.create(
        identifier="test-licence",
        type=ltype,
        serial="1",
        issuer=dept("scjg"),
        seal_key=key,
        holder_kind=LicenceType.Holder.ENTERPRISE,
        holder_name="测试企业",
        holder_id="91440704MA4UXXXX0X",
        holder_id_digest="0" * 64,
        holder_id_shown="91440704MA4UXXXX0X",
        valid_from=date(2020, 1, 1),
        issued_at=at("2020-01-01 09:00"),
        signature="sig",
    )


def licence_use(on: ServiceItem, when: datetime, kind: str = LicenceUse.Kind.CASE) -> LicenceUse:
    """The test licence presented (or looked up) in a fresh case of item version ``on``."""
    applicant = User.objects.get(username="enterprise")
    case = Case.objects.create(item=on, department=on.department, applicant=applicant, submitted_by=applicant)
    return LicenceUse.objects.create(licence=_licence(), kind=kind, case=case, used_by=applicant, at=when)


# --- Reported values ---------------------------------------------------------------------------


def upload(name: str = "统计报表.pdf", content: bytes = PDF) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def report(key: str, actor: User, *, as_of: date = TODAY, value: Any = "32", **changes: Any) -> Any:
    """A data officer's reported value for indicator ``key`` (a PDF as evidence)."""
    from dgov.indicators.services import reported_value_enter

    fields: dict[str, Any] = {"source": "区政务服务数据管理局月报", "evidence": upload(), **changes}
    return reported_value_enter(actor=actor, indicator=indicator(key), as_of=as_of, value=value, **fields)


def stored_files(root: Any) -> list[str]:
    """Every file under the media folder."""
    from pathlib import Path

    base = Path(root)
    return sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file()) if base.exists() else []
