"""The demo catalogue: enough items across enough departments, valid, idempotent."""

from dgov.audit.models import AuditEvent
from dgov.catalog.content import ItemContent, check_content
from dgov.catalog.demo import load_demo_catalog
from dgov.catalog.models import ItemMaterial, LifeEvent, ServiceItem


def test_the_demo_catalogue_loads_once(jianghai):
    ServiceItem.objects.all().delete()  # the test session loads it; start from none here
    created = load_demo_catalog()
    items = ServiceItem.objects.filter(status="published")
    assert created == items.count() >= 40
    assert items.values("department").distinct().count() >= 8
    assert not items.filter(is_demo=False).exists()
    counts = (ServiceItem.objects.count(), ItemMaterial.objects.count(), AuditEvent.objects.count())
    assert load_demo_catalog() == 0
    assert (ServiceItem.objects.count(), ItemMaterial.objects.count(), AuditEvent.objects.count()) == counts


def test_demo_items_are_complete_guides(demo_catalog):
    departments = set(ServiceItem.objects.values_list("department__code", flat=True))
    events = set(LifeEvent.objects.values_list("code", flat=True))
    for item in ServiceItem.objects.prefetch_related("materials", "life_events").select_related("department"):
        content = ItemContent.from_item(item)
        assert check_content(content, departments=departments, life_events=events) == {}, item.name
        assert item.materials.exists() and item.form_schema["properties"], item.name
    names = set(ServiceItem.objects.values_list("name", flat=True))
    assert {
        "个体工商户设立登记",
        "食品经营许可",
        "公共场所卫生许可",
        "社会保障卡申领",
        "城乡居民养老保险参保登记",
        "建筑工程施工许可",
        "城镇污水排入排水管网许可",
        "临时救助",
        "残疾人两项补贴",
        "高龄津贴申领",
    } <= names


def test_the_demo_feeds_every_catalogue_indicator(demo_catalog):
    from dgov.catalog.selectors import catalogue_flag_counts

    counts = catalogue_flag_counts()
    for key in (
        "full_online",
        "zero_visit_licensing",
        "window_on_application",
        "four_exemptions_hf",
        "cross_province_hf",
        "sso_online",
    ):
        assert counts[key] > 0, key
    assert counts["on_application_total"] == 49 and counts["licensing_total"] >= counts["zero_visit_licensing"]
