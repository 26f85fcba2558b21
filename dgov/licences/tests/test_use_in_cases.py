"""用证: a wallet licence stands in for a material of an application, chosen by its holder.

The demo citizen holds an e-copy of their resident ID card; 个体工商户设立登记 asks for 经营者身份证明,
which comes from that licence type."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from dgov.accounts.models import User
from dgov.audit.models import AuditEvent
from dgov.cases import services as cases
from dgov.cases.models import Case, Channel
from dgov.cases.tests.conftest import signature_api, signature_for, signature_post
from dgov.catalog.models import ItemMaterial, ServiceItem
from dgov.core.errors import ApplicationError
from dgov.licences import services
from dgov.licences.models import Licence, LicenceType, LicenceUse
from dgov.licences.tests.conftest import PDF, _uploads, dept_admin

SHOP = {
    "trade_name": "江海区陈记杂货店（示例）",
    "premises": "江海区外海街道清兰社区兴业路 3 号（示例）",
    # Outside the standard wording: the rules pass the case to a person, as these tests need.
    "scope_category": "其他",
    "business_scope": "日用百货零售",
    "organisation": "个人经营",
    "capital": 5,
    "address": "江海区外海街道清兰社区（示例）",
}


@pytest.fixture
def shop_item(licences_demo: dict[str, int]) -> ServiceItem:
    return ServiceItem.objects.get(name="个体工商户设立登记", status=ServiceItem.Status.PUBLISHED)


@pytest.fixture
def id_material(shop_item: ServiceItem) -> ItemMaterial:
    return shop_item.materials.get(source=ItemMaterial.Source.LICENCE, source_ref="resident_id_card")


@pytest.fixture
def id_card(citizen: User) -> Licence:
    return Licence.objects.get(holder_user=citizen, type__code="resident_id_card")


def _shop_data(user: User, item: ServiceItem) -> dict[str, Any]:
    return {**cases.prefill_for(user, item.form_schema), **SHOP}


def _submit(user: User, item: ServiceItem, licences: dict[Any, Any], **kwargs: Any) -> Case:
    """Submit online; the applicant signs when the form asks them to."""
    kwargs.setdefault("signature", signature_for(user, item, kwargs.get("channel", Channel.ONLINE)))
    return cases.case_submit(
        actor=user, item=item, data=_shop_data(user, item), uploads=_uploads(item), licences=licences, **kwargs
    )


def test_a_chosen_wallet_licence_is_logged_as_used_for_the_case(
    citizen: User, shop_item: ServiceItem, id_material: ItemMaterial, id_card: Licence
) -> None:
    case = _submit(citizen, shop_item, {id_material.pk: id_card.pk})
    use = LicenceUse.objects.get(case=case)
    assert (use.licence, use.kind, use.item_material, use.used_by) == (
        id_card,
        LicenceUse.Kind.CASE,
        id_material,
        citizen,
    )
    assert use.department == shop_item.department
    assert AuditEvent.objects.filter(action="licence.use", target_id=str(id_card.pk)).exists()


@pytest.mark.parametrize("problem", ["not_mine", "not_a_licence_material", "revoked", "garbage"])
def test_a_wrong_choice_is_refused_with_a_field_error_and_nothing_written(
    problem: str,
    citizen: User,
    enterprise: User,
    approver: User,
    shop_item: ServiceItem,
    id_material: ItemMaterial,
    id_card: Licence,
) -> None:
    material_id, licence_id = id_material.pk, id_card.pk
    if problem == "not_mine":
        licence_id = Licence.objects.get(holder_user=enterprise, type__code="food_business_licence").pk
    elif problem == "not_a_licence_material":
        material_id = shop_item.materials.exclude(source=ItemMaterial.Source.LICENCE).first().pk  # type: ignore[union-attr]
    elif problem == "revoked":
        admin = dept_admin("gaj-admin", id_card.issuer)
        services.licence_set_status(actor=admin, licence=id_card, status=Licence.Status.REVOKED, reason="证件挂失")
    cases_before, uses_before = Case.objects.count(), LicenceUse.objects.count()
    choice: dict[Any, Any] = {material_id: licence_id} if problem != "garbage" else {id_material.pk: "x"}
    with pytest.raises(ApplicationError) as refused:
        _submit(citizen, shop_item, choice)
    assert f"licence_{material_id}" in refused.value.field_errors
    assert (Case.objects.count(), LicenceUse.objects.count()) == (cases_before, uses_before)


def test_at_the_window_licences_are_looked_up_not_chosen(
    citizen: User, clerk: User, shop_item: ServiceItem, id_material: ItemMaterial, id_card: Licence
) -> None:
    with pytest.raises(ApplicationError) as refused:
        cases.case_submit(
            actor=clerk,
            item=shop_item,
            data=_shop_data(citizen, shop_item),
            uploads={},
            channel=Channel.WINDOW,
            applicant=citizen,
            licences={id_material.pk: id_card.pk},
        )
    assert f"licence_{id_material.pk}" in refused.value.field_errors


def test_the_use_service_refuses_someone_else_s_case(
    citizen: User, enterprise: User, shop_item: ServiceItem, id_material: ItemMaterial, id_card: Licence
) -> None:
    case = _submit(citizen, shop_item, {})
    food = Licence.objects.get(holder_user=enterprise, type__code="food_business_licence")
    with pytest.raises(PermissionDenied):
        services.licence_use_in_case(actor=enterprise, case=case, item_material=id_material, licence=food)


def test_the_apply_page_offers_the_wallet_licence_and_the_staff_page_shows_it_verified(
    citizen: User,
    clerk: User,
    shop_item: ServiceItem,
    id_material: ItemMaterial,
    id_card: Licence,
    login: Callable[[User], Any],
) -> None:
    page = login(citizen).get(f"/cases/apply/{shop_item.code}/").content.decode()
    assert f'name="licence_{id_material.pk}" value="{id_card.pk}"' in page
    assert id_card.identifier in page
    case = _submit(citizen, shop_item, {id_material.pk: id_card.pk})
    staff_page = login(clerk).get(f"/cases/work/cases/{case.pk}/").content.decode()
    assert id_card.identifier in staff_page
    assert "badge-ok" in staff_page
    # Once revoked, the same page says so instead of "verified".
    admin = dept_admin("gaj-admin", id_card.issuer)
    services.licence_set_status(actor=admin, licence=id_card, status=Licence.Status.REVOKED, reason="证件挂失")
    staff_page = login(clerk).get(f"/cases/work/cases/{case.pk}/").content.decode()
    assert "badge-bad" in staff_page and "证件挂失" in staff_page


def test_the_apply_form_records_the_choice(
    citizen: User, shop_item: ServiceItem, id_material: ItemMaterial, id_card: Licence, login: Callable[[User], Any]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(citizen)
    form = {k: str(v) for k, v in _shop_data(citizen, shop_item).items()}
    files = {
        f"material_{m}": SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
        for m in _uploads(shop_item)
    }
    response = client.post(
        f"/cases/apply/{shop_item.code}/",
        {
            **form,
            **files,
            "idempotency_key": "k-1",
            f"licence_{id_material.pk}": str(id_card.pk),
            **signature_post(citizen, shop_item),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(applicant=citizen, idempotency_key="k-1")
    assert LicenceUse.objects.filter(case=case, licence=id_card).exists()


def test_the_api_takes_licences_by_identifier(
    citizen: User, shop_item: ServiceItem, id_material: ItemMaterial, id_card: Licence, login: Callable[[User], Any]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(citizen)
    body = {
        "item_code": shop_item.code,
        "data": _shop_data(citizen, shop_item),
        "licences": {str(id_material.pk): id_card.identifier},
        **signature_api(citizen, shop_item),
    }

    def post(key: str) -> Any:
        files = {
            f"material_{m}": SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
            for m in _uploads(shop_item)
        }
        return client.post("/api/v1/cases", {"payload": json.dumps(body), **files}, HTTP_IDEMPOTENCY_KEY=key)

    response = post("a1")
    assert response.status_code == 201, response.content
    assert LicenceUse.objects.filter(licence=id_card, case__number=response.json()["number"]).exists()
    body["licences"] = {str(id_material.pk): "1.2.156.3005.2.NOTAREALONE"}
    response = post("a2")
    assert response.status_code == 400
    assert f"licence_{id_material.pk}" in json.dumps(response.json(), ensure_ascii=False)


def test_indicator_19_counts_licensing_items_in_which_a_licence_was_used(
    citizen: User, shop_item: ServiceItem, id_material: ItemMaterial, id_card: Licence
) -> None:
    from dgov.licences.selectors import e_licence_use_rate, items_accepting_licences

    before = e_licence_use_rate()
    assert before["numerator"] == 0 and before["denominator"] > 0
    _submit(citizen, shop_item, {id_material.pk: id_card.pk})
    after = e_licence_use_rate()
    assert after["numerator"] == 1 and after["denominator"] == before["denominator"]
    assert shop_item in list(items_accepting_licences())
    # A person's licence type is what the material names.
    assert LicenceType.objects.get(code="resident_id_card").holder_kind == LicenceType.Holder.PERSON


def test_licence_types_the_catalogue_names_but_nobody_defined_are_listed(
    citizen: User, shop_item: ServiceItem, id_material: ItemMaterial, login: Callable[[User], Any]
) -> None:
    from dgov.licences.selectors import items_with_unknown_licence_types

    assert items_with_unknown_licence_types() == []
    ItemMaterial.objects.filter(pk=id_material.pk).update(source_ref="unknown_permit")
    ServiceItem.objects.filter(pk=shop_item.pk).update(output_licence_type="unknown_licence")
    rows = items_with_unknown_licence_types()
    assert {"item": shop_item, "code": "unknown_permit", "use": "material"} in rows
    assert {"item": shop_item, "code": "unknown_licence", "use": "output"} in rows
    leader = User.objects.get(username="leader")
    page = login(leader).get("/licences/work/indicators/").content.decode()
    assert "unknown_permit" in page and "unknown_licence" in page
