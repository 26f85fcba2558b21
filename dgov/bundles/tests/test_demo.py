"""The demo bundles load through the services, merge without conflicts, and load once."""

from __future__ import annotations

from dgov.accounts.models import Department
from dgov.bundles.demo import DEMO_BUNDLES, load_demo_bundles
from dgov.bundles.models import Bundle
from dgov.bundles.selectors import bundle_form
from dgov.catalog.models import ServiceItem


def test_the_demo_bundles_load_once_and_each_merges_into_one_form(jianghai: None) -> None:
    first = load_demo_bundles()
    assert first["bundles"] == len(DEMO_BUNDLES) >= 5 and first["items"] > 0
    assert load_demo_bundles() == {"items": 0, "bundles": 0}
    for spec in DEMO_BUNDLES:
        bundle = Bundle.objects.get(code=spec.code)
        assert bundle.status == Bundle.Status.PUBLISHED and bundle.is_demo
        merged = bundle_form(bundle)
        assert [(i.department.code, i.name) for i in merged.items] == list(spec.items)
        names = list(merged.schema["properties"])
        assert len(names) == len(set(names))
        # Each bundle shares at least the applicant's identity across its items.
        shared = [n for n in names if sum(n in i.form_schema["properties"] for i in merged.items) > 1]
        assert {"applicant_name", "id_number", "phone"} <= set(shared)
        for item in merged.items:
            assert item.status == ServiceItem.Status.PUBLISHED and item.process_key


def test_the_plan_s_five_steps_of_starting_a_business_are_five_departments(jianghai: None) -> None:
    load_demo_bundles()
    merged = bundle_form(Bundle.objects.get(code="kaiban-qiye"))
    assert [i.department.code for i in merged.items] == ["scjg", "gaj", "swj", "rsj", "gjj"]
    assert Department.objects.get(code="swj").name == "国家税务总局江门市江海区税务局"
    assert Department.objects.get(code="gjj").name == "江门市住房公积金管理中心江海管理部"
    # Asked once although several items need them.
    for field in ("org_name", "legal_representative", "basic_account", "employee_count"):
        assert list(merged.schema["properties"]).count(field) == 1
    registration = next(m for m in merged.materials if m.material.name == "营业执照（登记信息）")
    assert len(registration.items) == 4
    assert all(i.is_demo for i in merged.items if i.department.code in ("gaj", "swj", "gjj"))
