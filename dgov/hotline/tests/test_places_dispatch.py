"""Where a ticket is and which department the catalogue sends it to."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from dgov.accounts.models import Department, Region
from dgov.audit.models import AuditEvent
from dgov.core.errors import ApplicationError
from dgov.hotline import places, services
from dgov.hotline.dispatch import department_for
from dgov.hotline.tests.conftest import leaf

pytestmark = pytest.mark.django_db


def test_address_resolves_to_community_then_subdistrict(jianghai):
    assert places.region_from_address("外海街道墟镇社区菜市场").name == "墟镇社区"
    assert places.region_from_address("礼乐新华村口").name == "新华村"
    assert places.region_from_address("江南街道金瓯路").name == "江南街道"
    assert places.region_from_address("外海直冲").name == "外海街道"
    assert places.region_from_address("广州市天河区") is None
    assert places.region_from_address("") is None


def test_coordinates_inside_the_district_only(jianghai):
    assert places.coordinates_clean("22.5601234", "113.1209876") == (Decimal("22.560123"), Decimal("113.120988"))
    assert places.coordinates_clean(None, "") == (None, None)
    for lat, lon in (("39.9", "116.4"), ("91", "113.1"), ("nan", "113.1"), ("22.5", "inf")):
        with pytest.raises(ApplicationError):
            places.coordinates_clean(lat, lon)


def test_catalogue_most_specific_rule_wins(hotline, dispatcher):
    light = leaf("110202")
    cgj, lljd, power = (Department.objects.get(code=c) for c in ("cgj", "lljd", "power"))
    liyue = Region.objects.get(code="440704005000")
    xinhua = places.region_from_address("礼乐新华村")
    assert department_for(light, None) == cgj
    services.dispatch_rule_save(actor=dispatcher, category=light, region=liyue, department=lljd)
    assert department_for(light, xinhua) == lljd
    assert department_for(light, places.region_from_address("外海街道")) == cgj
    services.dispatch_rule_save(actor=dispatcher, category=light, region=None, department=power)
    assert department_for(light, None) == power and department_for(light, xinhua) == lljd
    assert AuditEvent.objects.filter(action="hotline.dispatch_rule_save").count() == 2


def test_by_subdistrict_categories_go_to_the_office(hotline):
    bins = leaf("110101")
    assert bins.by_subdistrict
    assert department_for(bins, places.region_from_address("外海街道墟镇社区")).code == "whjd"
    assert department_for(bins, None) == bins.department


def test_catalogue_needs_a_supervisor_and_a_leaf(hotline, operator, dispatcher, cgj):
    with pytest.raises(PermissionDenied):
        services.dispatch_rule_save(actor=operator, category=leaf("110202"), region=None, department=cgj)
    with pytest.raises(ApplicationError):
        services.dispatch_rule_save(actor=dispatcher, category=leaf("110200"), region=None, department=cgj)


def test_categories_load_refuses_a_bad_tree_whole(jianghai):
    from dgov.hotline.models import Category

    rows = [
        {"code": "110000", "name": "城市管理"},
        {"code": "110100", "name": "市容"},
        {"code": "110101", "name": "垃圾", "department": "cgj"},
        {"code": "110199", "name": "坏部门", "department": "nope"},
        {"code": "1101", "name": "短码"},
        {"code": "120101", "name": "无父级", "department": "cgj"},
    ]
    with pytest.raises(ApplicationError) as err:
        services.categories_load(rows)
    assert "nope" in err.value.message and "1101" in err.value.message and "120100" in err.value.message
    assert not Category.objects.exists()


def test_time_limits_are_configurable(hotline, dispatcher, operator, cgj):
    from dgov.hotline.deadlines import limits_for

    assert limits_for(type="complaint", urgency="normal").reply_days == 13
    services.time_limit_save(actor=dispatcher, type="complaint", urgency="normal", sign_days=1, reply_days=10)
    assert limits_for(type="complaint", urgency="normal").reply_days == 10
    with pytest.raises(ApplicationError):
        services.time_limit_save(actor=dispatcher, type="complaint", urgency="normal", sign_days=5, reply_days=2)
    with pytest.raises(PermissionDenied):
        services.time_limit_save(actor=operator, type="complaint", urgency="normal", sign_days=1, reply_days=2)
