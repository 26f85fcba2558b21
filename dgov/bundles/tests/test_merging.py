"""One form and one material list: a field or a material several items need is asked once."""

from __future__ import annotations

import pytest
from django.utils import translation

from dgov.accounts.models import User
from dgov.bundles import services
from dgov.bundles.merging import MergedForm, merge
from dgov.bundles.models import Bundle
from dgov.bundles.tests.conftest import (
    ALLOWANCE,
    BANK_MATERIAL,
    CARD,
    PENSION,
    form_data,
    material_key,
    published,
)
from dgov.core.errors import ApplicationError


def test_a_shared_field_is_asked_once_and_split_to_each_child(merged: MergedForm, citizen: User) -> None:
    names = list(merged.schema["properties"])
    assert len(names) == len(set(names))
    assert {"applicant_name", "id_number", "phone", "address"} <= set(names)
    assert names.count("bank_account") == 1
    # Required by any item: required once in the merged form.
    assert {"applicant_name", "bank_account", "allowance", "bank"} <= set(merged.schema["required"])

    data = form_data(citizen, merged)
    allowance, pension, card = merged.items
    assert [i.name for i in merged.items] == [ALLOWANCE, PENSION, CARD]
    assert merged.data_for(allowance, data)["bank_account"] == data["bank_account"]
    assert merged.data_for(pension, data)["bank_account"] == data["bank_account"]
    assert "bank_account" not in merged.data_for(card, data)
    assert "bank" not in merged.data_for(allowance, data)
    for item in merged.items:
        assert set(merged.data_for(item, data)) <= set(item.form_schema["properties"])
        assert merged.data_for(item, data)["id_number"] == citizen.id_number


def test_a_material_of_the_same_name_and_source_is_asked_once(merged: MergedForm) -> None:
    names = [m.material.name for m in merged.materials]
    assert len(names) == len(set(names))
    bank = next(m for m in merged.materials if m.material.name == BANK_MATERIAL)
    assert [i.name for i in bank.items] == [ALLOWANCE, PENSION] and bank.required
    id_card = next(m for m in merged.materials if m.material.name == "居民身份证")
    assert id_card.is_licence and len(id_card.items) == 3 and not id_card.required
    # The items' own application forms (《…》) are the merged form: not listed as materials.
    assert not any(n.startswith("《") for n in names)

    key = material_key(merged, BANK_MATERIAL)
    files = {key: ["the one file"]}
    allowance, pension, card = merged.items
    assert list(merged.uploads_for(allowance, files).values()) == [["the one file"]]
    assert list(merged.uploads_for(pension, files).values()) == [["the one file"]]
    assert merged.uploads_for(card, files) == {}
    assert set(merged.uploads_for(pension, files)) == {m.pk for m in bank.members if m.item_id == pension.pk}


def test_the_stricter_length_holds_and_titles_come_from_the_first_item(jianghai: None) -> None:
    allowance, pension = published(ALLOWANCE), published(PENSION)
    pension.form_schema["properties"]["address"]["maxLength"] = 80
    form, conflicts = merge([allowance, pension])
    assert conflicts == []
    assert form.schema["properties"]["address"]["maxLength"] == 80
    assert form.schema["properties"]["address"]["title"] == allowance.form_schema["properties"]["address"]["title"]


def test_a_field_name_with_two_meanings_is_refused_when_the_bundle_is_defined(jianghai: None) -> None:
    # "category" is a choice of 住宿场所/美容美发场所… in one item, of 异地长期居住/临时外出就医 in the other.
    hygiene, medical = published("公共场所卫生许可"), published("基本医疗保险参保人员异地就医备案")
    with translation.override("en"), pytest.raises(ApplicationError) as err:
        services.bundle_create(
            actor=None,
            content=services.BundleContent(
                code="mixed", name="混合", life_event="health", item_codes=(hygiene.code, medical.code)
            ),
        )
    assert err.value.code == "invalid_bundle"
    assert any("category" in e for e in err.value.field_errors["item_codes"])
    assert not Bundle.objects.filter(code="mixed").exists()


def test_items_only_individuals_and_only_enterprises_may_apply_for_do_not_make_a_bundle(jianghai: None) -> None:
    person_only = published(PENSION)
    enterprise_only = published("特种设备使用登记")
    with pytest.raises(ApplicationError) as err:
        services.bundle_create(
            actor=None,
            content=services.BundleContent(
                code="nobody",
                name="无人可办",
                life_event="elderly",
                item_codes=(person_only.code, enterprise_only.code),
            ),
        )
    assert "item_codes" in err.value.field_errors


def test_a_bundle_names_published_items_two_to_ten_each_once(jianghai: None) -> None:
    code = published(PENSION).code
    for codes in [(code,), (code, code), (code, "440704000XX9999999900")]:
        with pytest.raises(ApplicationError) as err:
            services.bundle_create(
                actor=None,
                content=services.BundleContent(code="bad", name="坏", life_event="elderly", item_codes=codes),
            )
        assert "item_codes" in err.value.field_errors
    with pytest.raises(ApplicationError) as err:
        services.bundle_create(
            actor=None,
            content=services.BundleContent(code="mine", name="保留字", life_event="elderly", item_codes=(code,)),
        )
    assert "code" in err.value.field_errors
