"""Each computed indicator's formula against a small hand-built dataset whose answer is worked out
here, by hand, in the comments; department and 街道 slices; and the drill-down lists, whose
length is the numerator (and, where there is one, the denominator)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dgov.accounts.models import User
from dgov.bundles.models import Bundle
from dgov.catalog.models import ServiceItem
from dgov.core.measures import providers, ratio_value, ten_thousands
from dgov.indicators import computation, services
from dgov.indicators.models import Indicator, Snapshot
from dgov.indicators.tests.conftest import (
    BY_DEPARTMENT,
    COMPUTED,
    DEPARTMENTS,
    JIANGNAN,
    LILE,
    REPORTED,
    TODAY,
    WAIHAI,
    active,
    at,
    bundle,
    dept,
    dept_scope,
    district,
    indicator,
    item,
    kiosk,
    licence_use,
    measure,
    person,
    rating,
    seal,
    sub_scope,
)
from dgov.licences.models import LicenceUse, Seal

Kind = ServiceItem.Kind
Status = ServiceItem.Status
pytestmark = pytest.mark.usefixtures("jianghai", "frozen")


def codes(qs) -> set[str]:
    return set(qs.values_list("code", flat=True))


def drill(key: str, scope=None, day: date = TODAY, *, universe: bool = False):
    ind = indicator(key)
    return computation.drill_down(ind, computation.period_for(ind, day), scope or district(), universe=universe)


def indicator_all() -> list[Indicator]:
    return list(Indicator.objects.all())


def figures(result) -> tuple:
    return result.numerator, result.denominator, result.value


# --- The plan's units -------------------------------------------------------------------------


def test_shares_round_half_up_to_two_decimals_and_counts_in_ten_thousands_to_four():
    # 100 × 1 ÷ 32 = 3.125 → 3.13 (half up; half-even would give 3.12); 100 × 2 ÷ 3 = 66.666… → 66.67
    assert ratio_value(1, 32) == Decimal("3.13")
    assert ratio_value(2, 3) == Decimal("66.67")
    assert ratio_value(0, 5) == Decimal("0.00")
    assert ratio_value(3, 0) is None
    # 24 690 person-days over 2 days = 12 345 a day = 1.2345 万
    assert ten_thousands(24690, per=2) == Decimal("1.2345")
    # 5 ÷ 2 = 2.5 a day = 0.00025 万 → 0.0003 (half up)
    assert ten_thousands(5, per=2) == Decimal("0.0003")
    assert ten_thousands(5, per=0) is None


def test_which_indicators_are_computed_and_which_have_slices():
    assert set(providers()) == COMPUTED
    assert {i.key for i in indicator_all() if computation.is_computed(i)} == COMPUTED
    assert {i.key for i in indicator_all() if not computation.is_computed(i)} == REPORTED
    scjg, jiangnan = dept_scope("scjg"), sub_scope(JIANGNAN)
    for ind in indicator_all():
        assert computation.allows(ind, district())
        assert computation.allows(ind, scjg) == (ind.key in BY_DEPARTMENT)
        assert computation.allows(ind, jiangnan) == (ind.key in BY_DEPARTMENT)


def test_a_subdistrict_is_the_departments_located_in_it():
    # 江南街道's only department is its subdistrict office; the district's bureaux are not in it.
    assert sub_scope(JIANGNAN).departments == (dept("jnjd").pk,)
    assert sub_scope(WAIHAI).departments == (dept("whjd").pk,)
    assert computation.scope_from_key(f"sub:{JIANGNAN}") == sub_scope(JIANGNAN)
    assert computation.scope_from_key("dept:scjg") == dept_scope("scjg")
    assert computation.scope_from_key("dept:nope") is None
    assert computation.scope_from_key("sub:440704004005") is None  # a community, not a 街道
    assert computation.scope_from_key("bogus") is None


# --- 1 全程网办率 ---------------------------------------------------------------------------------


def test_1_online_full_process_rate():
    # Every catalogued kind is on-application, so the base is every published item.
    item("F-A", "scjg", kind=Kind.LICENSING, online_depth=4)  # counted
    item("F-B", "scjg", kind=Kind.PUBLIC_SERVICE, online_depth=4)  # counted
    item("F-C", "scjg", kind=Kind.CONFIRMATION, online_depth=3)  # base only
    item("F-C", "scjg", kind=Kind.CONFIRMATION, online_depth=4, version=2, status=Status.DRAFT)  # a draft: no
    item("F-D", "mzj", kind=Kind.LICENSING, online_depth=4, status=Status.SUPERSEDED)  # old version: no
    item("F-D", "mzj", kind=Kind.LICENSING, online_depth=1, version=2)  # base only
    item("F-E", "mzj", kind=Kind.PAYMENT, online_depth=4)  # counted
    item("F-W", "mzj", kind=Kind.PAYMENT, online_depth=4, status=Status.WITHDRAWN)  # withdrawn: no
    item("F-X", "scjg", kind=Kind.LICENSING, online_depth=4, status=Status.DRAFT)  # a draft: no
    key = "online_full_process_rate"
    # District: {A, B, E} of {A, B, C, D, E}: 100 × 3 ÷ 5 = 60.00
    assert figures(measure(key)) == (3, 5, Decimal("60.00"))
    assert codes(drill(key)) == {"F-A", "F-B", "F-E"}
    assert codes(drill(key, universe=True)) == {"F-A", "F-B", "F-C", "F-D", "F-E"}
    # 市场监管: {A, B} of {A, B, C}: 66.666… → 66.67; 民政: {E} of {D, E}: 50.00
    assert figures(measure(key, dept_scope("scjg"))) == (2, 3, Decimal("66.67"))
    assert figures(measure(key, dept_scope("mzj"))) == (1, 2, Decimal("50.00"))
    assert codes(drill(key, dept_scope("mzj"))) == {"F-E"}
    # 江南街道 has no item: no denominator, so no value (not 0).
    assert figures(measure(key, sub_scope(JIANGNAN))) == (0, 0, None)


# --- 2 “零跑动”事项覆盖率 ----------------------------------------------------------------------------


def test_2_zero_visit_rate():
    item("Z1", "scjg", max_visits=0)  # licensing, zero visits: counted
    item("Z2", "scjg", max_visits=1)  # licensing: base only
    item("Z3", "mzj", max_visits=0)  # counted
    item("Z4", "scjg", kind=Kind.PUBLIC_SERVICE, max_visits=0)  # not a licensing item
    item("Z5", "mzj", max_visits=0, status=Status.DRAFT)  # draft
    item("Z6", "mzj", max_visits=0, status=Status.WITHDRAWN)  # withdrawn
    key = "zero_visit_rate"
    # {Z1, Z3} of {Z1, Z2, Z3}: 100 × 2 ÷ 3 = 66.67
    assert figures(measure(key)) == (2, 3, Decimal("66.67"))
    assert codes(drill(key)) == {"Z1", "Z3"}
    assert codes(drill(key, universe=True)) == {"Z1", "Z2", "Z3"}
    # 市场监管 {Z1} of {Z1, Z2} = 50.00; 民政 {Z3} of {Z3} = 100.00
    assert figures(measure(key, dept_scope("scjg"))) == (1, 2, Decimal("50.00"))
    assert figures(measure(key, dept_scope("mzj"))) == (1, 1, Decimal("100.00"))


# --- 3 一窗综合受理率 -------------------------------------------------------------------------------


def test_3_one_window_rate():
    item("W1", "scjg", kind=Kind.LICENSING, comprehensive_window=True)
    item("W2", "scjg", kind=Kind.PUBLIC_SERVICE, comprehensive_window=True)
    item("W3", "scjg", kind=Kind.OTHER_POWER, comprehensive_window=True)
    item("W4", "mzj", kind=Kind.ADJUDICATION, comprehensive_window=True)
    item("W5", "mzj", kind=Kind.CONFIRMATION)  # not at the window
    item("W6", "mzj", kind=Kind.PAYMENT)  # not at the window
    item("W7", "mzj", kind=Kind.PUBLIC_SERVICE, comprehensive_window=True)
    item("W8", "scjg", comprehensive_window=True, status=Status.DRAFT)  # draft
    item("W9", "scjg", comprehensive_window=True, status=Status.WITHDRAWN)  # withdrawn
    key = "one_window_rate"
    # {W1, W2, W3, W4, W7} of seven: 100 × 5 ÷ 7 = 71.428… → 71.43
    assert figures(measure(key)) == (5, 7, Decimal("71.43"))
    assert codes(drill(key)) == {"W1", "W2", "W3", "W4", "W7"}
    assert drill(key, universe=True).count() == 7
    # 市场监管 3 of 3 = 100.00; 民政 {W4, W7} of {W4, W5, W6, W7} = 50.00
    assert figures(measure(key, dept_scope("scjg"))) == (3, 3, Decimal("100.00"))
    assert figures(measure(key, dept_scope("mzj"))) == (2, 4, Decimal("50.00"))


# --- 4 高频服务事项“四免”比例 -----------------------------------------------------------------------

FOUR = {"material_exempt": True, "prefill": True, "e_seal": True, "e_signature": True}


def test_4_four_exemptions_rate():
    item("H1", "scjg", high_frequency=True, **FOUR)  # counted
    item("H2", "scjg", high_frequency=True, **{**FOUR, "e_signature": False})  # three of four: base only
    item("H3", "mzj", high_frequency=True)  # none: base only
    item("H4", "mzj", **FOUR)  # not high-frequency: outside
    item("H5", "scjg", high_frequency=True, status=Status.DRAFT, **FOUR)  # draft
    item("H6", "mzj", high_frequency=True, **FOUR)  # counted
    item("H7", "mzj", high_frequency=True, material_exempt=True, prefill=True)  # two of four: base only
    key = "four_exemptions_rate"
    # {H1, H6} of {H1, H2, H3, H6, H7}: 100 × 2 ÷ 5 = 40.00
    assert figures(measure(key)) == (2, 5, Decimal("40.00"))
    assert codes(drill(key)) == {"H1", "H6"}
    assert codes(drill(key, universe=True)) == {"H1", "H2", "H3", "H6", "H7"}
    # 市场监管 {H1} of {H1, H2} = 50.00; 民政 {H6} of {H3, H6, H7} = 33.33
    assert figures(measure(key, dept_scope("scjg"))) == (1, 2, Decimal("50.00"))
    assert figures(measure(key, dept_scope("mzj"))) == (1, 3, Decimal("33.33"))


# --- 7 高频服务事项“跨省通办”比例 --------------------------------------------------------------------


def test_7_cross_province_rate():
    item("C1", "scjg", high_frequency=True, cross_province=True)  # counted
    item("C2", "scjg", high_frequency=True)  # base only
    item("C3", "mzj", high_frequency=True, cross_province=True)  # counted
    item("C4", "mzj", high_frequency=True, cross_province=True)  # counted
    item("C5", "mzj", cross_province=True)  # not high-frequency
    item("C6", "scjg", high_frequency=True, cross_province=True, status=Status.WITHDRAWN)  # withdrawn
    item("C7", "mzj", high_frequency=True)  # base only
    item("C8", "jnjd", high_frequency=True)  # 江南街道's office: base only
    key = "cross_province_rate"
    # {C1, C3, C4} of {C1, C2, C3, C4, C7, C8}: 100 × 3 ÷ 6 = 50.00
    assert figures(measure(key)) == (3, 6, Decimal("50.00"))
    assert codes(drill(key)) == {"C1", "C3", "C4"}
    assert codes(drill(key, universe=True)) == {"C1", "C2", "C3", "C4", "C7", "C8"}
    # 民政 {C3, C4} of {C3, C4, C7} = 66.67; 江南街道 0 of {C8} = 0.00 (a value, unlike no base)
    assert figures(measure(key, dept_scope("mzj"))) == (2, 3, Decimal("66.67"))
    assert figures(measure(key, sub_scope(JIANGNAN))) == (0, 1, Decimal("0.00"))
    assert codes(drill(key, sub_scope(JIANGNAN), universe=True)) == {"C8"}
    assert figures(measure(key, sub_scope(WAIHAI))) == (0, 0, None)


# --- 21 单点登录率 -----------------------------------------------------------------------------------


def test_21_sso_rate():
    item("S1", "scjg", online_depth=4, single_sign_on=True)  # counted
    item("S2", "scjg", online_depth=3, single_sign_on=True)  # counted
    item("S3", "mzj", online_depth=3)  # online, no SSO: base only
    item("S4", "mzj", online_depth=4, single_sign_on=True)  # counted
    item("S5", "scjg", online_depth=2, single_sign_on=True)  # forms only: not an online item
    item("S6", "mzj", online_depth=1, single_sign_on=True)  # guide only: not an online item
    item("S7", "scjg", online_depth=4, single_sign_on=True, status=Status.DRAFT)  # draft
    item("S8", "scjg", online_depth=3)  # base only
    key = "sso_rate"
    # {S1, S2, S4} of {S1, S2, S3, S4, S8}: 100 × 3 ÷ 5 = 60.00
    assert figures(measure(key)) == (3, 5, Decimal("60.00"))
    assert codes(drill(key)) == {"S1", "S2", "S4"}
    assert codes(drill(key, universe=True)) == {"S1", "S2", "S3", "S4", "S8"}
    # 市场监管 {S1, S2} of {S1, S2, S8} = 66.67; 民政 {S4} of {S3, S4} = 50.00
    assert figures(measure(key, dept_scope("scjg"))) == (2, 3, Decimal("66.67"))
    assert figures(measure(key, dept_scope("mzj"))) == (1, 2, Decimal("50.00"))


# --- 5 “一件事”主题集成服务数量 ------------------------------------------------------------------------


def test_5_published_bundles_at_the_end_of_the_day():
    bundle("b1", published_at=at("2025-03-01 09:00"))
    bundle("b2", published_at=at("2025-06-10 23:59"))  # the last minute of 10 June
    bundle("b3", published_at=at("2025-06-11 00:00"))  # the first minute of 11 June
    bundle("b4", status=Bundle.Status.DRAFT)
    bundle("b5", status=Bundle.Status.WITHDRAWN, published_at=at("2025-02-01 09:00"))
    key = "life_event_bundles"
    # End of 10 June: b1, b2 → 2; end of 15 June: b1, b2, b3 → 3. A count: no denominator.
    assert figures(measure(key, day=date(2025, 6, 10))) == (2, None, Decimal(2))
    assert figures(measure(key)) == (3, None, Decimal(3))
    assert codes(drill(key, day=date(2025, 6, 10))) == {"b1", "b2"}
    assert computation.provider_of(indicator(key)).by_department is False


# --- 6 政务服务一体机镇街覆盖率 -------------------------------------------------------------------------


def test_6_subdistricts_with_a_kiosk_in_service():
    kiosk("k1", JIANGNAN, date(2024, 1, 1))  # in 江南街道 itself
    kiosk("k2", "440704001003", date(2024, 5, 1))  # a community of 江南: 江南 again, counted once
    kiosk("k3", "440704004005", date(2025, 6, 15))  # a community of 外海, installed today: 外海
    kiosk("k4", LILE, date(2023, 1, 1), retired_on=date(2025, 6, 15))  # 礼乐's, retired today
    kiosk("k5", "440704005201", date(2025, 6, 16))  # a village of 礼乐, to be installed tomorrow
    key = "kiosk_subdistrict_coverage"
    # {江南, 外海} of the three 街道: 100 × 2 ÷ 3 = 66.67
    assert figures(measure(key)) == (2, 3, Decimal("66.67"))
    assert codes(drill(key)) == {JIANGNAN, WAIHAI}
    assert codes(drill(key, universe=True)) == {JIANGNAN, WAIHAI, LILE}
    # The live list (what the records page shows today) agrees with today's snapshot.
    live = computation.drill_down(indicator(key), computation.live_period(indicator(key)), district())
    assert codes(live) == {JIANGNAN, WAIHAI}


def test_6_a_past_day_counts_the_kiosks_in_service_at_its_end():
    kiosk("k6", LILE, date(2024, 1, 1), retired_on=date(2025, 6, 11))  # in service all of 10 June
    kiosk("k7", WAIHAI, date(2025, 6, 11))  # installed on 11 June
    key = "kiosk_subdistrict_coverage"
    # End of 10 June: only 礼乐 (k6) → 1 of 3 = 33.33; end of 11 June: only 外海 (k7) → 33.33
    assert figures(measure(key, day=date(2025, 6, 10))) == (1, 3, Decimal("33.33"))
    assert codes(drill(key, day=date(2025, 6, 10))) == {LILE}
    assert codes(drill(key, day=date(2025, 6, 11))) == {WAIHAI}


# --- 8 政务服务“好差评” ----------------------------------------------------------------------------------


def test_8_rating_score_of_the_year_to_date():
    # 2025 so far (1 January 00:00 to 16 June 00:00, Beijing):
    rating(5, "scjg", at("2025-03-01 10:00"))  # good
    rating(4, "scjg", at("2025-06-15 23:59"))  # good (the day's last minute)
    rating(3, "scjg", at("2025-04-01 10:00"))  # 基本满意: good
    rating(2, "mzj", at("2025-05-01 10:00"))  # bad
    rating(1, "mzj", at("2025-05-02 10:00"))  # bad
    rating(4, "mzj", at("2025-01-01 00:00"))  # good: the year's first minute in Beijing (still 2024 in UTC)
    # Not counted:
    rating(5, "scjg", at("2025-05-05 10:00"), excluded=True)  # excluded as malicious: not counted
    rating(1, "mzj", at("2025-05-06 10:00"), excluded=True)
    rating(5, "scjg", at("2024-12-31 23:59"))  # last year
    rating(1, "mzj", at("2025-06-16 00:00"))  # after the day
    key = "rating_score"
    # Good 4 (5, 4, 3, 4) of 6 counted: 10 × 4 ÷ 6 = 6.666… → 6.7
    assert figures(measure(key)) == (4, 6, Decimal("6.7"))
    assert drill(key).count() == 4 and drill(key, universe=True).count() == 6
    assert set(drill(key).values_list("level", flat=True)) == {3, 4, 5}
    # 市场监管: 3 good of 3 = 10.0; 民政: 1 good (the 4) of 3 = 3.333… → 3.3
    assert figures(measure(key, dept_scope("scjg"))) == (3, 3, Decimal("10.0"))
    assert figures(measure(key, dept_scope("mzj"))) == (1, 3, Decimal("3.3"))
    # The year 2024 to its last day holds only the 23:59 rating: 1 of 1 = 10.0
    assert figures(measure(key, day=date(2024, 12, 31))) == (1, 1, Decimal("10.0"))
    # No ratings at all: no score.
    assert figures(measure(key, dept_scope("rsj"))) == (0, 0, None)


# --- 9–11 日活跃用户数 -----------------------------------------------------------------------------------


def test_9_to_11_daily_active_users_in_ten_thousands():
    a, b, c = person("c-a"), person("c-b"), person("c-c")
    # 2 January 2025: the year so far is 1–2 January, 2 days.
    for who, day in [(a, 1), (a, 2), (b, 1), (b, 2), (c, 2)]:
        active(who, date(2025, 1, day))
    active(a, date(2024, 12, 31))  # last year
    active(b, date(2025, 1, 3))  # after the day
    active(User.objects.get(username="enterprise"), date(2025, 1, 2))
    approver, clerk = User.objects.get(username="approver"), User.objects.get(username="clerk")  # scjg, zsj
    mzj_staff = person("mzj-staff", User.Kind.STAFF, "mzj")
    for who, day in [(approver, 1), (approver, 2), (mzj_staff, 2), (clerk, 1)]:
        active(who, date(2025, 1, day))
    day = date(2025, 1, 2)
    # Citizens: 5 person-days ÷ 2 days = 2.5 a day = 0.00025 万 → 0.0003
    citizens = measure("citizen_app_dau", day=day)
    assert figures(citizens) == (5, 2, Decimal("0.0003"))
    assert citizens.value.as_tuple().exponent == -4
    assert drill("citizen_app_dau", day=day).count() == 5
    # Enterprises: 1 ÷ 2 = 0.5 a day = 0.00005 万 → 0.0001
    assert figures(measure("enterprise_app_dau", day=day)) == (1, 2, Decimal("0.0001"))
    # Staff: 4 ÷ 2 = 2 a day = 0.0002 万; 市场监管 2 ÷ 2 = 1 → 0.0001; 民政 1 ÷ 2 → 0.0001
    assert figures(measure("staff_app_dau", day=day)) == (4, 2, Decimal("0.0002"))
    assert figures(measure("staff_app_dau", dept_scope("scjg"), day=day)) == (2, 2, Decimal("0.0001"))
    assert figures(measure("staff_app_dau", dept_scope("mzj"), day=day)) == (1, 2, Decimal("0.0001"))
    assert set(drill("staff_app_dau", dept_scope("scjg"), day=day).values_list("user__username", flat=True)) == {
        "approver"
    }
    # 15 June is day 31 + 28 + 31 + 30 + 31 + 15 = 166 of 2025, and a's 1–2, b's 1–3 and c's 2
    # January are 6 citizen person-days in it: 6 ÷ 166 = 0.036 a day = 0.0000036 万 → 0.0000
    assert figures(measure("citizen_app_dau")) == (6, 166, Decimal("0.0000"))


# --- 19 电子证照用证率 -------------------------------------------------------------------------------------


def test_19_e_licence_use_rate():
    x1 = item("X1", "scjg")
    x2 = item("X2", "scjg")
    x3 = item("X3", "mzj")
    x4_old = item("X4", "mzj", status=Status.SUPERSEDED)
    item("X4", "mzj", version=2)
    x5 = item("X5", "mzj")
    x6 = item("X6", "scjg", kind=Kind.PUBLIC_SERVICE)
    x7 = item("X7", "scjg", status=Status.DRAFT)
    licence_use(x1, at("2025-03-01 10:00"))  # presented in a case this year: X1 counted
    licence_use(x1, at("2025-04-01 10:00"))  # a second use: X1 still once
    licence_use(x2, at("2025-03-01 10:00"), kind=LicenceUse.Kind.LOOKUP)  # looked up by staff: not a use
    licence_use(x3, at("2024-12-31 23:00"))  # last year
    licence_use(x4_old, at("2025-05-01 10:00"))  # a case under the old version: counts for item X4
    licence_use(x5, at("2025-06-16 00:00"))  # after the day
    licence_use(x6, at("2025-03-01 10:00"))  # not a licensing item
    licence_use(x7, at("2025-03-01 10:00"))  # a draft
    key = "e_licence_use_rate"
    # {X1, X4} of the published licensing items {X1, X2, X3, X4, X5}: 100 × 2 ÷ 5 = 40.00
    assert figures(measure(key)) == (2, 5, Decimal("40.00"))
    assert codes(drill(key)) == {"X1", "X4"}
    assert codes(drill(key, universe=True)) == {"X1", "X2", "X3", "X4", "X5"}
    # 市场监管 {X1} of {X1, X2} = 50.00; 民政 {X4} of {X3, X4, X5} = 33.33
    assert figures(measure(key, dept_scope("scjg"))) == (1, 2, Decimal("50.00"))
    assert figures(measure(key, dept_scope("mzj"))) == (1, 3, Decimal("33.33"))
    # As of the end of 2024: only X3's use, then X3 of five = 20.00
    assert figures(measure(key, day=date(2024, 12, 31))) == (1, 5, Decimal("20.00"))


# --- 20 政府部门电子印章覆盖率 -----------------------------------------------------------------------------


def test_20_departments_holding_a_seal_that_can_sign():
    valid = {"valid_from": at("2024-01-01 00:00"), "valid_until": at("2030-01-01 00:00")}
    seal("scjg", **valid)  # counted
    seal("czj", **valid)
    seal("czj", **valid)  # two seals: the department once
    seal("mzj", status=Seal.Status.SUSPENDED, **valid)
    seal("cgj", status=Seal.Status.REVOKED, **valid)
    seal("rsj", valid_from=at("2020-01-01 00:00"), valid_until=at("2025-06-10 00:00"))  # expired
    seal("zsj", valid_from=at("2025-07-01 00:00"), valid_until=at("2030-01-01 00:00"))  # not yet valid
    key = "e_seal_coverage"
    # {scjg, czj} of the district's 29 departments: 100 × 2 ÷ 29 = 6.896… → 6.90
    assert DEPARTMENTS == 29
    assert figures(measure(key)) == (2, 29, Decimal("6.90"))
    assert codes(drill(key)) == {"scjg", "czj"}
    assert drill(key, universe=True).count() == 29
    # On 9 June rsj's seal was still valid: {scjg, czj, rsj} → 100 × 3 ÷ 29 = 10.344… → 10.34
    assert figures(measure(key, day=date(2025, 6, 9))) == (3, 29, Decimal("10.34"))


# --- Every computed indicator: the lists behind the figures ---------------------------------------


@pytest.fixture
def everything(jianghai, frozen):
    """A little of everything, in two departments and a 街道."""
    for code, department in [("E1", "scjg"), ("E2", "mzj"), ("E3", "jnjd")]:
        item(
            code,
            department,
            online_depth=4,
            max_visits=0,
            comprehensive_window=True,
            high_frequency=True,
            cross_province=True,
            single_sign_on=True,
            **FOUR,
        )
    for code, department in [("E4", "scjg"), ("E5", "mzj"), ("E6", "jnjd")]:
        item(code, department, online_depth=3, high_frequency=True)
    item("E7", "scjg", status=Status.DRAFT, online_depth=4, high_frequency=True)
    bundle("eb1", published_at=at("2025-01-01 09:00"))
    bundle("eb2", status=Bundle.Status.DRAFT)
    kiosk("ek1", JIANGNAN, date(2024, 1, 1))
    kiosk("ek2", LILE, date(2025, 6, 16))  # not installed yet
    for level, department in [(5, "scjg"), (2, "scjg"), (4, "mzj"), (1, "jnjd"), (3, "jnjd")]:
        rating(level, department, at("2025-03-01 10:00"))
    for username in ["citizen", "enterprise", "approver", "clerk"]:
        active(User.objects.get(username=username), date(2025, 6, 14))
        active(User.objects.get(username=username), date(2025, 6, 15))
    licence_use(ServiceItem.objects.get(code="E1"), at("2025-03-01 10:00"))
    licence_use(ServiceItem.objects.get(code="E6"), at("2025-03-01 10:00"))
    seal("mzj", valid_from=at("2024-01-01 00:00"), valid_until=at("2030-01-01 00:00"))


@pytest.mark.parametrize("key", sorted(COMPUTED))
def test_the_records_behind_each_figure_are_as_many_as_it_counts(everything, key):
    ind = indicator(key)
    report = services.snapshots_take(day=TODAY)
    assert report.computed == len(COMPUTED)
    scopes = [district()]
    if key in BY_DEPARTMENT:
        scopes += [dept_scope("scjg"), dept_scope("mzj"), sub_scope(JIANGNAN), sub_scope(WAIHAI)]
    for scope in scopes:
        for when in (computation.period_for(ind, TODAY), computation.live_period(ind)):
            result = computation.compute(ind, when, scope)
            records = computation.drill_down(ind, when, scope)
            assert records.count() == result.numerator, (key, scope.key)
            if result.measure.universe is not None:
                assert computation.drill_down(ind, when, scope, universe=True).count() == result.denominator
            else:
                # A count (5) or person-days over days (9–11): no list of the denominator.
                assert key in {"life_event_bundles", "citizen_app_dau", "enterprise_app_dau", "staff_app_dau"}
        # What the records page lists now is what today's snapshot counted.
        snap = Snapshot.objects.get(indicator=ind, scope=scope.key, day=TODAY)
        live = computation.drill_down(ind, computation.live_period(ind), scope)
        assert snap.source == Snapshot.Source.COMPUTED
        assert live.count() == snap.numerator, (key, scope.key)
    district_numerator = Snapshot.objects.get(indicator=ind, scope="", day=TODAY).numerator
    assert district_numerator > 0  # the dataset gives every indicator something to count
