"""Who may manage items: the owning department's administrator and the district catalogue administrator."""

import pytest
from django.core.exceptions import PermissionDenied

from dgov.accounts.models import Department, Role
from dgov.audit.models import AuditEvent
from dgov.catalog import services
from dgov.catalog.models import ServiceItem
from dgov.catalog.selectors import can_manage_items, managed_departments
from dgov.catalog.tests.factories import make_content, make_staff


def test_who_can_manage_which_department(scjg_admin, mzj_admin, catalogue_admin, approver, citizen, sysadmin):
    scjg = Department.objects.get(code="scjg")
    mzj = Department.objects.get(code="mzj")
    assert can_manage_items(scjg_admin, scjg) and not can_manage_items(scjg_admin, mzj)
    assert can_manage_items(mzj_admin, mzj) and not can_manage_items(mzj_admin, scjg)
    assert can_manage_items(catalogue_admin, scjg) and can_manage_items(catalogue_admin, mzj)
    # An approver of scjg, a citizen and the system administrator (三员分立) manage no items.
    for user in (approver, citizen, sysadmin):
        assert not can_manage_items(user, scjg)
        assert not managed_departments(user).exists()
    assert list(managed_departments(scjg_admin)) == [scjg]
    assert managed_departments(catalogue_admin).count() == Department.objects.count()


def test_a_region_scoped_administrator_manages_the_departments_in_it(jianghai):
    from dgov.accounts.models import Region
    from dgov.accounts.services import role_grant, user_create

    whjd = Department.objects.get(code="whjd")
    user = user_create(actor=None, username="wh_admin", password="Catalog-pass-2025!", kind="staff", department=whjd)
    role_grant(actor=None, user=user, role=Role.DEPT_ADMIN, region=Region.objects.get(code="440704004000"))
    assert can_manage_items(user, whjd)
    assert not can_manage_items(user, Department.objects.get(code="scjg"))  # a district department


def test_an_inactive_administrator_manages_nothing(scjg_admin):
    scjg_admin.is_active = False
    assert not can_manage_items(scjg_admin, Department.objects.get(code="scjg"))


def test_the_owning_department_administrator_runs_the_whole_life(scjg_admin):
    draft = services.item_create_draft(actor=scjg_admin, content=make_content())
    services.item_update_draft(actor=scjg_admin, item=draft, content=make_content(promised_days=2))
    services.item_publish(actor=scjg_admin, item=draft)
    second = services.item_new_version(actor=scjg_admin, item=draft)
    services.item_withdraw(actor=scjg_admin, item=draft, reason="合并到新版事项")
    assert second.status == ServiceItem.Status.DRAFT
    actions = set(AuditEvent.objects.filter(actor=scjg_admin).values_list("action", flat=True))
    assert {"catalog.item_create_draft", "catalog.item_publish", "catalog.item_withdraw"} <= actions


def test_another_departments_administrator_cannot_edit(published, mzj_admin):
    denied_before = AuditEvent.objects.filter(action="access.denied").count()
    with pytest.raises(PermissionDenied):
        services.item_create_draft(
            actor=mzj_admin, content=make_content(code="440704000XK0019800000", basic_code="XK00198000")
        )
    with pytest.raises(PermissionDenied):
        services.item_new_version(actor=mzj_admin, item=published)
    with pytest.raises(PermissionDenied):
        services.item_withdraw(actor=mzj_admin, item=published, reason="越权")
    draft = services.item_new_version(actor=None, item=published)
    with pytest.raises(PermissionDenied):
        services.item_update_draft(actor=mzj_admin, item=draft, content=make_content(name="越权修改"))
    with pytest.raises(PermissionDenied):
        services.item_publish(actor=mzj_admin, item=draft)
    assert AuditEvent.objects.filter(action="access.denied").count() == denied_before + 5
    published.refresh_from_db()
    draft.refresh_from_db()
    assert published.status == ServiceItem.Status.PUBLISHED and draft.name == "测试许可事项"


def test_moving_a_draft_to_another_department_needs_both(published, scjg_admin, catalogue_admin):
    draft = services.item_new_version(actor=None, item=published)
    with pytest.raises(PermissionDenied):
        services.item_update_draft(actor=scjg_admin, item=draft, content=make_content(department="mzj"))
    services.item_update_draft(actor=catalogue_admin, item=draft, content=make_content(department="mzj"))
    draft.refresh_from_db()
    assert draft.department.code == "mzj"


def test_a_department_approver_cannot_edit(published, approver):
    with pytest.raises(PermissionDenied):
        services.item_new_version(actor=approver, item=published)


# --- Pages ----------------------------------------------------------------------------------------

MANAGE_URLS = ["/services/manage/", "/services/manage/import/", "/services/manage/export/"]


@pytest.mark.parametrize("url", MANAGE_URLS)
def test_citizens_cannot_reach_the_manage_pages(citizen, client, url):
    client.force_login(citizen)
    assert client.get(url).status_code == 403
    assert AuditEvent.objects.filter(action="access.denied", summary__path=url).exists()


@pytest.mark.parametrize("url", MANAGE_URLS)
def test_signed_out_visitors_are_sent_to_sign_in(jianghai, client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_staff_without_the_role_cannot_reach_the_manage_pages(approver, client):
    client.force_login(approver)
    assert client.get("/services/manage/").status_code == 403


def test_another_departments_administrator_cannot_open_or_act_on_an_item(published, mzj_admin, client):
    client.force_login(mzj_admin)
    assert client.get(f"/services/manage/items/{published.pk}/").status_code == 404
    assert client.post(f"/services/manage/items/{published.pk}/withdraw/", {"reason": "越权"}).status_code == 404
    published.refresh_from_db()
    assert published.status == ServiceItem.Status.PUBLISHED
    # …and does not see it in the list.
    assert published.code not in client.get("/services/manage/").content.decode()


def test_the_owning_administrator_publishes_and_withdraws_through_the_pages(published, scjg_admin, client):
    client.force_login(scjg_admin)
    page = client.get(f"/services/manage/items/{published.pk}/")
    assert page.status_code == 200 and "测试许可事项" in page.content.decode()
    response = client.post(f"/services/manage/items/{published.pk}/new-version/")
    draft = ServiceItem.objects.get(code=published.code, version=2)
    assert response.url == f"/services/manage/items/{draft.pk}/"
    client.post(f"/services/manage/items/{draft.pk}/publish/")
    draft.refresh_from_db()
    assert draft.status == ServiceItem.Status.PUBLISHED
    assert client.post(f"/services/manage/items/{draft.pk}/withdraw/", {"reason": ""}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == ServiceItem.Status.PUBLISHED  # no reason, no withdrawal
    client.post(f"/services/manage/items/{draft.pk}/withdraw/", {"reason": "职能调整"})
    draft.refresh_from_db()
    assert draft.status == ServiceItem.Status.WITHDRAWN


def test_a_conflict_on_a_page_is_a_message_not_an_error(published, scjg_admin, client):
    client.force_login(scjg_admin)
    response = client.post(f"/services/manage/items/{published.pk}/publish/", follow=True)
    assert response.status_code == 200
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_staff_helper_makes_a_scoped_department_administrator(jianghai):
    user = make_staff("wjj_admin", "wjj")
    assert list(managed_departments(user).values_list("code", flat=True)) == ["wjj"]


def test_the_admin_site_shows_the_catalogue_read_only(published, sysadmin, client):
    client.force_login(sysadmin)
    assert client.get("/admin/catalog/serviceitem/").status_code == 200
    assert client.get(f"/admin/catalog/serviceitem/{published.pk}/change/").status_code == 200
    assert client.get("/admin/catalog/serviceitem/add/").status_code == 403
    assert client.post(f"/admin/catalog/serviceitem/{published.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/catalog/lifeevent/").status_code == 200
