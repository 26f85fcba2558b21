"""The public list and guide pages, in Chinese and English, and the withdrawn and unknown cases."""

import pytest
from django.utils import translation

from dgov.catalog import services
from dgov.catalog.models import ServiceItem


def test_the_list_page_searches_and_filters(demo_catalog, client):
    response = client.get("/services/", {"q": "食品", "department": "scjg"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="search"' in html and '<label for="id_q">' in html
    assert html.index("食品经营许可") < html.index("食品小作坊登记")
    assert 'href="/services/440704000XK0010200001/"' in html


def test_an_unknown_filter_value_is_ignored(demo_catalog, client):
    response = client.get("/services/", {"kind": "punishment"})
    assert response.status_code == 200 and response.context["page"].paginator.count == 49


@pytest.mark.parametrize(
    ("language", "lang_attr", "label"), [("zh-hans", "zh-Hans", "食品经营许可"), ("en", "en", "Food business licence")]
)
def test_the_guide_renders_in_chinese_and_english(demo_catalog, client, language, lang_attr, label):
    client.cookies["django_language"] = language
    response = client.get("/services/440704000XK0010200001/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang_attr}"' in html
    assert f'<h1 id="guide-title">{label}</h1>' in html
    for text in ("《中华人民共和国食品安全法》", "食品经营许可申请书", "江海区政务服务中心", "12345"):
        assert text in html
    assert "<caption" in html and 'tabindex="0"' in html  # the materials table scrolls inside a focusable region
    if language == "en":
        assert "Fully online" in html and "10 working days" in html and "3 working days" in html
        assert '<p class="lead" lang="zh-Hans">食品经营许可</p>' in html


def test_the_guide_links_back_and_to_its_life_events(demo_catalog, client):
    html = client.get("/services/440704000XK0010200001/").content.decode()
    assert 'href="/services/"' in html and 'href="/services/?life_event=operating_licence"' in html
    # A fully online item offers the online application.
    assert 'href="/cases/apply/440704000XK0010200001/"' in html


def test_items_not_applied_for_online_say_where_to_apply(jianghai, client):
    from dgov.catalog import services
    from dgov.catalog.tests.factories import make_content

    draft = services.item_create_draft(actor=None, content=make_content(online_depth=2))
    offline = services.item_publish(actor=None, item=draft)
    html = client.get(f"/services/{offline.code}/").content.decode()
    assert "/cases/apply/" not in html


def test_on_the_spot_items_say_so(demo_catalog, client):
    client.cookies["django_language"] = "en"
    html = client.get("/services/440704000QR0150100000/").content.decode()  # 出生登记
    assert "On the spot" in html and "no visit to a counter is needed" in html


def test_a_withdrawn_item_says_so_and_an_unknown_one_is_not_found(published, client):
    services.item_withdraw(actor=None, item=published, reason="职能调整")
    response = client.get(f"/services/{published.code}/")
    assert response.status_code == 410 and 'href="/services/"' in response.content.decode()
    assert client.get("/services/NO-SUCH-CODE/").status_code == 404


def test_a_draft_has_no_public_guide(jianghai, client):
    from dgov.catalog.tests.factories import make_content

    draft = services.item_create_draft(actor=None, content=make_content())
    assert client.get(f"/services/{draft.code}/").status_code == 404


def test_managers_see_the_way_to_their_pages(demo_catalog, scjg_admin, client):
    assert "/services/manage/" not in client.get("/services/").content.decode()
    client.force_login(scjg_admin)
    assert "/services/manage/" in client.get("/services/").content.decode()
    page = client.get("/services/manage/")
    assert page.status_code == 200
    codes = {i.department.code for i in page.context["page"]}
    assert codes == {"scjg"}
    draft_only = client.get("/services/manage/", {"status": "draft"})
    assert draft_only.context["page"].paginator.count == 0
    item = ServiceItem.objects.get(code="440704000XK0010200001", status="published")
    html = client.get(f"/services/manage/items/{item.pk}/").content.decode()
    with translation.override("zh-hans"):
        assert translation.gettext("Make a new draft version") in html
        assert translation.gettext("Withdraw the item") in html
