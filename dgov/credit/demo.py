"""Demo entries of the credit lists for `make run` (after `load_demo`, which makes the
departments and the demo accounts).

- black list, enterprise: an invented enterprise that is no account (seed 失信示范企业);
- black list, person: an invented person born 1970-01-01 in Jianghai (440704);
- red list: the demo enterprise account (``enterprise``, 星辉电子), with 容缺受理 and 优先办理;
- one withdrawn black-list entry (after 信用修复), kept for its history.

Made through the services as the platform (actor None). Idempotent: an entry whose subject and
decision number are already on the list is not made again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dgov.accounts.demo import _demo_credit_code
from dgov.accounts.models import Department, User
from dgov.core.validation import id_number_check_char
from dgov.credit import services
from dgov.credit.models import CreditEntry, CreditList, Measure, SubjectKind, subject_key_digest

COURT = "江门市江海区人民法院（示例）"


def demo_person_id_number() -> str:
    first17 = "44070419700101" + "051"
    return first17 + id_number_check_char(first17)


def demo_blacklisted_enterprise_code() -> str:
    return _demo_credit_code("失信示范企业", kind_prefix="91")


def demo_repaired_enterprise_code() -> str:
    return _demo_credit_code("信用修复示范企业", kind_prefix="91")


def demo_account_enterprise_code() -> str:
    """The credit code of the demo enterprise account (as dgov.accounts.demo makes it)."""
    user = User.objects.filter(username="enterprise").first()
    if user is not None and user.enterprise_credit_code:
        return user.enterprise_credit_code
    return _demo_credit_code("enterprise", kind_prefix="91")


@dataclass(frozen=True)
class DemoEntry:
    list_kind: str
    subject_kind: str
    key: str
    name: str
    created: bool
    withdrawn: bool = False


def _ensure(
    *,
    department: Department,
    list_kind: str,
    subject_kind: str,
    key: str,
    name: str,
    measures: list[str],
    document_number: str,
    reason: str,
    authority: str,
    valid_from: dt.date,
    valid_until: dt.date | None,
    measure_note: str = "",
    withdraw_reason: str = "",
) -> DemoEntry:
    exists = CreditEntry.objects.filter(
        key_digest=subject_key_digest(subject_kind, key), document_number=document_number
    ).exists()
    if not exists:
        entry = services.credit_entry_create(
            actor=None,
            department=department,
            list_kind=list_kind,
            subject_kind=subject_kind,
            subject_key=key,
            subject_name=name,
            measures=measures,
            measure_note=measure_note,
            authority=authority,
            document_number=document_number,
            reason=reason,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        if withdraw_reason:
            services.credit_entry_withdraw(actor=None, entry=entry, reason=withdraw_reason)
    return DemoEntry(list_kind, subject_kind, key, name, created=not exists, withdrawn=bool(withdraw_reason))


@transaction.atomic
def load_demo() -> list[DemoEntry]:
    """Make the demo entries that are missing; returns all four with their keys."""
    fgj = Department.objects.filter(code="fgj").first()
    scjg = Department.objects.filter(code="scjg").first()
    if fgj is None or scjg is None:
        return []
    today = timezone.localdate()
    start = today - dt.timedelta(days=180)
    enterprise = User.objects.filter(username="enterprise").first()
    return [
        _ensure(
            department=fgj,
            list_kind=CreditList.BLACK,
            subject_kind=SubjectKind.ENTERPRISE,
            key=demo_blacklisted_enterprise_code(),
            name="江门市江海区示范失信商贸有限公司（示例）",
            measures=[Measure.MANUAL_REVIEW, Measure.RESTRICT_LICENSING, Measure.RESTRICT_SUBSIDY],
            measure_note="不适用告知承诺制和秒批，新申请的行政许可从严审查；不予安排财政补贴资金。（示例）",
            authority=COURT,
            document_number="（2025）粤0704执123号（示例）",
            reason="失信被执行人：有履行能力而拒不履行生效法律文书确定的义务。（示例）",
            valid_from=start,
            valid_until=start + dt.timedelta(days=3 * 365),
        ),
        _ensure(
            department=fgj,
            list_kind=CreditList.BLACK,
            subject_kind=SubjectKind.PERSON,
            key=demo_person_id_number(),
            name="刘某某（示例）",
            measures=[Measure.MANUAL_REVIEW, Measure.RESTRICT_SUBSIDY],
            authority=COURT,
            document_number="（2025）粤0704执456号（示例）",
            reason="失信被执行人：违反财产报告制度。（示例）",
            valid_from=start,
            valid_until=None,
        ),
        _ensure(
            department=fgj,
            list_kind=CreditList.RED,
            subject_kind=SubjectKind.ENTERPRISE,
            key=demo_account_enterprise_code(),
            name=(enterprise.enterprise_name if enterprise else "") or "江门市江海区星辉电子科技有限公司（示例）",
            measures=[Measure.TOLERATE_MISSING, Measure.FAST_TRACK],
            measure_note="次要材料可容缺受理、限期补齐；在综合窗口优先办理。（示例）",
            authority="国家税务总局江门市江海区税务局（示例）",
            document_number="2025年度纳税信用A级纳税人名单（示例）",
            reason="纳税信用等级评定为A级。（示例）",
            valid_from=start,
            valid_until=start + dt.timedelta(days=365),
        ),
        _ensure(
            department=scjg,
            list_kind=CreditList.BLACK,
            subject_kind=SubjectKind.ENTERPRISE,
            key=demo_repaired_enterprise_code(),
            name="江门市江海区示范修复物流有限公司（示例）",
            measures=[Measure.RESTRICT_LICENSING],
            authority="江门市江海区市场监督管理局",
            document_number="江海市监罚〔2024〕18号（示例）",
            reason="列入严重违法失信名单。（示例）",
            valid_from=start - dt.timedelta(days=365),
            valid_until=None,
            withdraw_reason="已履行行政处罚决定并完成信用修复，准予移出。（示例）",
        ),
    ]
