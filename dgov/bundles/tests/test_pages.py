"""The pages: guide, apply, my bundle applications (one status, all results), receipt, window,
management; and who gets a 404 or a 403."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from dgov.accounts.models import User
from dgov.audit.models import AuditEvent
from dgov.bundles.merging import MergedForm
from dgov.bundles.models import Bundle, BundleCase
from dgov.bundles.tests.conftest import (
    ALLOWANCE,
    BANK_MATERIAL,
    CARD,
    PDF,
    PENSION,
    PHOTO_MATERIAL,
    PNG,
    bundle_signature_post,
    child_of,
    decide,
    form_data,
    make_staff,
    material_key,
    published,
    submit,
)
from dgov.cases.models import Case


def test_the_guide_lists_items_departments_materials_once_and_the_longest_time(
    client: Any, pension_bundle: Bundle, merged: MergedForm
) -> None:
    response = client.get(f"/bundles/{pension_bundle.code}/")
    html = response.content.decode()
    assert response.status_code == 200
    for name in (ALLOWANCE, PENSION, CARD, "江海区民政局", "江海区人力资源和社会保障局"):
        assert name in html
    assert html.count(BANK_MATERIAL) == 1
    assert f"/bundles/{pension_bundle.code}/apply/" in html
    longest = max(i.promised_days for i in merged.items)
    assert f"{longest} 个工作日" in html or f"{longest} working days" in html
    assert pension_bundle.name in client.get("/bundles/").content.decode()
    assert client.get("/bundles/no-such-bundle/").status_code == 404


def test_the_apply_page_asks_each_field_once_and_submits_one_application(
    citizen: User, login: Any, pension_bundle: Bundle, merged: MergedForm
) -> None:
    client = login(citizen)
    page = client.get(f"/bundles/{pension_bundle.code}/apply/").content.decode()
    assert page.count('name="bank_account"') == 1 and page.count('name="id_number"') == 1
    assert page.count(f'name="material_{material_key(merged, BANK_MATERIAL)}"') == 1
    assert citizen.id_number in page  # prefilled from the account
    post: dict[str, Any] = {
        **form_data(citizen, merged),
        "idempotency_key": "page-1",
        **bundle_signature_post(citizen, merged),
    }
    post[f"material_{material_key(merged, BANK_MATERIAL)}"] = SimpleUploadedFile("bank.pdf", PDF)
    post[f"material_{material_key(merged, PHOTO_MATERIAL)}"] = SimpleUploadedFile("photo.png", PNG)
    response = client.post(f"/bundles/{pension_bundle.code}/apply/", post)
    parent = BundleCase.objects.get(applicant=citizen)
    assert response.status_code == 302 and response["Location"] == f"/bundles/mine/{parent.pk}/"
    assert parent.children.count() == 3


def test_a_refused_application_shows_every_mistake_on_the_merged_form(
    citizen: User, login: Any, pension_bundle: Bundle, merged: MergedForm
) -> None:
    client = login(citizen)
    post = {
        **form_data(citizen, merged, bank_account=""),
        "idempotency_key": "page-2",
        **bundle_signature_post(citizen, merged),
    }
    response = client.post(f"/bundles/{pension_bundle.code}/apply/", post)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="f_bank_account_error"' in html
    assert f'id="material_{material_key(merged, PHOTO_MATERIAL)}_error"' in html
    assert not BundleCase.objects.exists()


def test_the_applicant_sees_one_status_and_all_results(
    citizen: User,
    clerk: User,
    login: Any,
    licences_demo: None,
    pension_bundle: Bundle,
    merged: MergedForm,
    django_capture_on_commit_callbacks: Any,
) -> None:
    mzj_approver = make_staff("mzj_approver", "mzj", "approver")
    rsj_approver = make_staff("rsj_approver", "rsj", "approver")
    with django_capture_on_commit_callbacks(execute=True):
        parent = submit(citizen, pension_bundle, merged)
    with django_capture_on_commit_callbacks(execute=True):
        decide(child_of(parent, ALLOWANCE), clerk=clerk, approver=mzj_approver)
        decide(child_of(parent, PENSION), clerk=clerk, approver=rsj_approver)
        decide(child_of(parent, CARD), clerk=clerk, approver=rsj_approver)
    card = child_of(parent, CARD)
    assert card.licence.type.code == "social_security_card"  # issued after commit

    client = login(citizen)
    html = client.get(f"/bundles/mine/{parent.pk}/").content.decode()
    assert parent.number in html
    assert 'class="status status-concluded"' in html
    for case in Case.objects.filter(bundle_child__parent=parent):
        assert case.number in html and f"/cases/mine/{case.pk}/" in html
    assert card.licence.identifier in html and f"/licences/{card.licence.pk}/" in html
    listing = client.get("/bundles/mine/").content.decode()
    assert parent.number in listing and "3 / 3" in listing
    receipt = client.get(f"/bundles/receipt/{parent.pk}/").content.decode()
    assert parent.number in receipt and card.number in receipt and card.lookup_code in receipt


def test_another_citizen_gets_404_on_someone_s_bundle_application(
    citizen: User, other_citizen: User, outsider: User, login: Any, pension_bundle: Bundle, merged: MergedForm
) -> None:
    parent = submit(citizen, pension_bundle, merged)
    client = login(other_citizen)
    assert client.get(f"/bundles/mine/{parent.pk}/").status_code == 404
    assert client.get(f"/bundles/receipt/{parent.pk}/").status_code == 404
    assert parent.number not in client.get("/bundles/mine/").content.decode()
    # Staff of one of the departments only (民政) do not see the whole bundle either.
    assert login(outsider).get(f"/bundles/receipt/{parent.pk}/").status_code == 404
    assert client.get("/bundles/mine/999999/").status_code == 404


def test_the_window_refuses_a_clerk_without_every_department_and_names_them(
    rsj_clerk: User, clerk: User, citizen: User, login: Any, pension_bundle: Bundle, merged: MergedForm
) -> None:
    client = login(rsj_clerk)
    listing = client.get("/bundles/window/").content.decode()
    assert "江海区民政局" in listing
    response = client.get(f"/bundles/window/{pension_bundle.code}/")
    assert response.status_code == 403 and "江海区民政局" in response.content.decode()
    assert AuditEvent.objects.filter(action="access.denied", actor=rsj_clerk).exists()

    client = login(clerk)
    assert client.get(f"/bundles/window/{pension_bundle.code}/").status_code == 200
    post = {
        **form_data(citizen, merged),
        "kind": "citizen",
        "id_number": citizen.id_number,
        "idempotency_key": "window-1",
    }
    response = client.post(f"/bundles/window/{pension_bundle.code}/", post)
    parent = BundleCase.objects.get(applicant=citizen)
    assert response.status_code == 302 and response["Location"] == f"/bundles/receipt/{parent.pk}/"
    assert parent.channel == "window" and parent.submitted_by == clerk
    receipt = client.get(f"/bundles/receipt/{parent.pk}/")
    assert receipt.status_code == 200 and parent.number in receipt.content.decode()
    assert login(citizen).get("/bundles/window/").status_code == 403


def test_the_catalogue_administrator_defines_and_publishes_a_bundle(jianghai: None, login: Any) -> None:
    admin = make_staff("catalogue_admin", "zsj", "dept_admin", scoped=False)
    client = login(admin)
    codes = "\n".join([published(PENSION).code, published(CARD).code])
    response = client.post(
        "/bundles/manage/new/",
        {"code": "yanglao-shebao", "name": "养老与社保卡", "life_event": "elderly", "item_codes": codes},
    )
    bundle = Bundle.objects.get(code="yanglao-shebao")
    assert response.status_code == 302 and bundle.status == Bundle.Status.DRAFT
    assert bundle.item_codes == codes.split("\n")
    page = client.get(f"/bundles/manage/{bundle.pk}/").content.decode()
    assert "bank_account" in page
    client.post(f"/bundles/manage/{bundle.pk}/action/", {"action": "publish"})
    bundle.refresh_from_db()
    assert bundle.status == Bundle.Status.PUBLISHED
    # Published: no longer editable.
    edit = client.post(
        f"/bundles/manage/{bundle.pk}/",
        {"code": "yanglao-shebao", "name": "改名", "life_event": "elderly", "item_codes": codes},
    )
    assert edit.status_code == 400 and Bundle.objects.get(pk=bundle.pk).name == "养老与社保卡"
    assert {"bundle.create", "bundle.publish"} <= set(
        AuditEvent.objects.filter(target_id=str(bundle.pk), target_type="bundles.bundle").values_list(
            "action", flat=True
        )
    )
    # Conflicting definitions are refused with the field named.
    clash = "\n".join([published("公共场所卫生许可").code, published("基本医疗保险参保人员异地就医备案").code])
    response = client.post(
        "/bundles/manage/new/", {"code": "clash", "name": "冲突", "life_event": "health", "item_codes": clash}
    )
    assert response.status_code == 400 and "category" in response.content.decode()


def test_only_the_district_catalogue_administrator_manages_bundles(
    jianghai: None, login: Any, pension_bundle: Bundle
) -> None:
    scoped = make_staff("mzj_admin", "mzj", "dept_admin")
    client = login(scoped)
    assert client.get("/bundles/manage/").status_code == 403
    assert client.post(f"/bundles/manage/{pension_bundle.pk}/action/", {"action": "withdraw"}).status_code == 403
    assert Bundle.objects.get(pk=pension_bundle.pk).status == Bundle.Status.PUBLISHED
    assert AuditEvent.objects.filter(action="access.denied", actor=scoped).exists()
