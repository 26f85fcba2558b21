"""Demo data of the indicators: the kiosk register of indicator 6, the plan's 2020 figures of the
indicators the platform does not compute yet (reported, with the plan's Table 1 as their source
and a PDF of that row as evidence), and today's snapshot.

Nothing here is a figure the platform did not have: reported values are the plan's own 2020
column, labelled reported; every computed value comes from the other demo data. The kiosks are
invented places (``is_demo``) at the district's and the three 街道's service centres.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from dgov.accounts.models import Region, User
from dgov.catalog.models import Kiosk
from dgov.indicators import computation, services
from dgov.indicators.models import Indicator, ReportedValue

KIOSKS = [
    ("jh-zwzx-01", "区政务服务中心一体机 1 号", "440704001000", "江门市江海区政务服务中心一楼大厅（示例）"),
    ("jh-zwzx-02", "区政务服务中心一体机 2 号", "440704001000", "江门市江海区政务服务中心二楼（示例）"),
    ("jh-jn-01", "江南街道便民服务中心一体机", "440704001000", "江南街道党群服务中心（示例）"),
    ("jh-wh-01", "外海街道便民服务中心一体机", "440704004000", "外海街道党群服务中心（示例）"),
    ("jh-ll-01", "礼乐街道便民服务中心一体机", "440704005000", "礼乐街道党群服务中心（示例）"),
]
KIOSKS_INSTALLED = date(2021, 6, 30)
PLAN_SOURCE = "《江门高新区（江海区）数字政府改革建设“十四五”规划》表1 现状值"
PLAN_DAY = date(2020, 12, 31)


def _plan_row_pdf(indicator: Indicator) -> bytes:
    """A one-page PDF quoting the plan's Table 1 row: the evidence of a reported 2020 figure."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from dgov.licences.sealimage import register_pdf_font

    font = register_pdf_font()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    canvas.setTitle(f"{indicator.number} {indicator.name_zh}")
    y = 780.0
    star = "★" if indicator.provincial else ""
    figure = computation.figure_text
    lines = (
        (13, PLAN_SOURCE),
        (11, f"序号 {indicator.number}　{indicator.category_zh}　{star}{indicator.name_zh}"),
        (11, f"现状值（2020年）：{figure(indicator.baseline)} {indicator.unit}"),
        (11, f"中期规划值（2023年）：{figure(indicator.midterm)}　目标规划值（2025年）：{figure(indicator.target)}"),
        (10, f"指标计算方法：{indicator.formula_zh}"),
    )
    for size, line in lines:
        canvas.setFont(font, size)
        canvas.drawString(56, y, line)
        y -= size * 2
    canvas.showPage()
    canvas.save()
    return out.getvalue()


@transaction.atomic
def load_kiosks() -> int:
    created = 0
    for code, name, region_code, address in KIOSKS:
        _, made = Kiosk.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "region": Region.objects.get(code=region_code),
                "address": address,
                "installed_on": KIOSKS_INSTALLED,
                "is_demo": True,
            },
        )
        created += made
    return created


def load_plan_baselines(officer: User) -> int:
    """The plan's 2020 figure of each reported indicator that has one, as a reported value."""
    entered = 0
    for indicator in Indicator.objects.order_by("number"):
        if computation.is_computed(indicator) or indicator.baseline is None:
            continue
        if ReportedValue.objects.filter(indicator=indicator, source=PLAN_SOURCE).exists():
            continue
        services.reported_value_enter(
            actor=officer,
            indicator=indicator,
            as_of=PLAN_DAY,
            value=indicator.baseline,
            source=PLAN_SOURCE,
            note="规划编制时的现状值；平台上线后由数据专员按月填报。",
            evidence=SimpleUploadedFile(
                f"plan-table1-{indicator.number}.pdf", _plan_row_pdf(indicator), content_type="application/pdf"
            ),
        )
        entered += 1
    return entered


def load_demo() -> dict[str, Any]:
    officer = User.objects.get(username="dataofficer")
    kiosks = load_kiosks()
    reported = load_plan_baselines(officer)
    report = services.snapshots_take(actor=officer)
    return {
        "kiosks": kiosks,
        "reported": reported,
        "snapshots": report.snapshots,
        "computed": report.computed,
        "missing": report.missing,
    }
