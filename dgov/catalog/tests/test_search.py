"""Chinese search with jieba: ranking, synonyms, filters, drafts hidden, a fixed number of queries."""

import pytest

from dgov.catalog import search, selectors, services
from dgov.catalog.models import ServiceItem
from dgov.catalog.tests.factories import make_content


def names(query: str = "", **filters: str) -> list[str]:
    return [i.name for i in selectors.item_list_published(query=query, **filters)]


def test_food_finds_the_food_business_licence_first(demo_catalog):
    found = names("食品")
    assert found[0] == "食品经营许可"
    assert set(found) >= {"食品经营许可", "食品经营许可变更", "食品小作坊登记"}


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("养老", "城乡居民养老保险参保登记"),
        ("营业执照", "个体工商户设立登记"),  # through the item's keywords (synonyms)
        ("社保卡", "社会保障卡申领"),
        ("我要办理食品经营许可证", "食品经营许可"),
        ("城乡居民养老保险参保登记", "城乡居民养老保险参保登记"),
        ("残疾人补贴", "残疾人两项补贴"),
        ("上户口", "出生登记"),
        ("food", "食品经营许可"),  # the English name
        ("440704000XK0010100001", "个体工商户设立登记"),  # the item code
    ],
)
def test_queries_people_type(demo_catalog, query, first):
    assert names(query)[0] == first


def test_a_term_in_the_name_ranks_above_the_same_term_elsewhere(demo_catalog):
    found = names("养老")
    assert found.index("城乡居民养老保险参保登记") < found.index("高龄津贴申领")  # 养老 is only a life event there


def test_nothing_matches_nonsense_and_a_blank_query_lists_everything(demo_catalog):
    assert names("量子引力") == []
    assert len(names("   ")) == ServiceItem.objects.filter(status="published").count()


def test_a_single_character_still_finds_items_by_name(demo_catalog):
    assert "社会保障卡申领" in names("卡")


def test_filters(demo_catalog):
    assert set(names(department="mzj")) >= {"临时救助", "残疾人两项补贴", "高龄津贴申领"}
    assert all(i.department.code == "mzj" for i in selectors.item_list_published(department="mzj"))
    assert all(i.kind == "payment" for i in selectors.item_list_published(kind="payment"))
    births = names(life_event="birth")
    assert "出生登记" in births and "食品经营许可" not in births
    enterprise = selectors.item_list_published(subject="enterprise")
    assert {i.subject for i in enterprise} == {"enterprise", "both"}
    assert names("许可", department="wjj", kind="licensing") == ["公共场所卫生许可"]
    assert names("食品", department="mzj") == []


def test_drafts_superseded_and_withdrawn_versions_are_not_found(published):
    draft = services.item_new_version(actor=None, item=published)
    services.item_update_draft(actor=None, item=draft, content=make_content(name="测试许可事项草稿"))
    assert names("测试") == ["测试许可事项"]
    services.item_publish(actor=None, item=draft)
    assert names("测试") == ["测试许可事项草稿"]
    services.item_withdraw(actor=None, item=draft, reason="停止")
    assert names("测试") == []


def test_search_columns_are_segmented_and_padded(demo_catalog):
    item = ServiceItem.objects.get(name="城乡居民养老保险参保登记", status="published")
    assert item.search_name.startswith(" ") and item.search_name.endswith(" ")
    assert {"城乡", "居民", "养老", "养老保险", "参保", "登记"} <= set(item.search_name.split())
    assert "养老" in item.search_tags.split()  # the life event
    assert search.query_tokens("我要办理社保卡") == ["社保", "社保卡"]


def test_the_list_page_takes_a_fixed_number_of_queries(demo_catalog, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = client.get("/services/", {"q": "许可", "kind": "licensing"})
    assert response.status_code == 200
