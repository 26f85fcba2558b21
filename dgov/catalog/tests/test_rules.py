"""Versions, the one-published rule, time limits, channels, the form schema subset and item codes."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from dgov.audit.models import AuditEvent
from dgov.catalog import coding, services
from dgov.catalog.content import ItemContent, MaterialContent
from dgov.catalog.formschema import check_form_schema
from dgov.catalog.models import ServiceItem
from dgov.catalog.tests.factories import make_content
from dgov.core.errors import ApplicationError, ConflictError

Status = ServiceItem.Status


def field_errors(content: ItemContent) -> dict[str, list[str]]:
    with pytest.raises(ApplicationError) as exc:
        services.item_create_draft(actor=None, content=content)
    return exc.value.field_errors


# --- Versions -----------------------------------------------------------------------------------


def test_versions_draft_publish_new_version_supersede(published):
    assert (published.version, published.status) == (1, Status.PUBLISHED)
    draft = services.item_new_version(actor=None, item=published)
    assert (draft.version, draft.status) == (2, Status.DRAFT)
    assert ItemContent.from_item(draft) == ItemContent.from_item(published)

    services.item_update_draft(
        actor=None, item=draft, content=make_content(name="测试许可事项（新版）", promised_days=3)
    )
    published.refresh_from_db()
    assert published.name == "测试许可事项" and published.status == Status.PUBLISHED  # still the public guide

    services.item_publish(actor=None, item=draft)
    published.refresh_from_db()
    draft.refresh_from_db()
    assert published.status == Status.SUPERSEDED and published.retired_at is not None
    assert draft.status == Status.PUBLISHED and draft.name == "测试许可事项（新版）"
    # A case submitted under version 1 keeps it, unchanged.
    assert published.name == "测试许可事项" and published.promised_days == 5 and published.materials.count() == 2
    assert ServiceItem.objects.filter(code=published.code, status=Status.PUBLISHED).count() == 1


def test_publishing_is_audited(published):
    draft = services.item_new_version(actor=None, item=published)
    services.item_publish(actor=None, item=draft)
    event = AuditEvent.objects.filter(action="catalog.item_publish").order_by("-seq").first()
    assert event.target_id == str(draft.pk)
    assert event.summary == {"code": draft.code, "version": 2, "superseded": [1]}


def test_the_database_allows_one_published_and_one_draft_version_per_code(published):
    copy = ServiceItem.objects.get(pk=published.pk)
    copy.pk, copy.version = None, 2
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()  # a second published row
    services.item_new_version(actor=None, item=published)
    copy.status = Status.DRAFT
    copy.version = 3
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()  # a second draft


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.SUPERSEDED, Status.WITHDRAWN])
def test_only_drafts_are_edited_or_published(published, status):
    if status == Status.SUPERSEDED:
        services.item_publish(actor=None, item=services.item_new_version(actor=None, item=published))
    elif status == Status.WITHDRAWN:
        services.item_withdraw(actor=None, item=published, reason="职能调整")
    published.refresh_from_db()
    assert published.status == status
    with pytest.raises(ConflictError):
        services.item_update_draft(actor=None, item=published, content=make_content(name="改名"))
    with pytest.raises(ConflictError):
        services.item_publish(actor=None, item=published)


def test_one_draft_at_a_time(published):
    services.item_new_version(actor=None, item=published)
    with pytest.raises(ConflictError) as exc:
        services.item_new_version(actor=None, item=published)
    assert exc.value.code == "draft_exists"


def test_a_code_is_created_once(published):
    with pytest.raises(ApplicationError) as exc:
        services.item_create_draft(actor=None, content=make_content(name="重复"))
    assert exc.value.code == "duplicate_code"


def test_the_code_of_a_draft_cannot_change(published):
    draft = services.item_new_version(actor=None, item=published)
    with pytest.raises(ApplicationError) as exc:
        services.item_update_draft(actor=None, item=draft, content=make_content(code="440704000XK0019800000"))
    assert exc.value.code == "code_changed"


def test_withdraw_needs_a_reason_and_a_withdrawn_item_can_come_back(published):
    with pytest.raises(ApplicationError):
        services.item_withdraw(actor=None, item=published, reason="  ")
    services.item_withdraw(actor=None, item=published, reason="职能调整")
    assert not ServiceItem.objects.filter(code=published.code, status=Status.PUBLISHED).exists()
    draft = services.item_new_version(actor=None, item=published)
    services.item_publish(actor=None, item=draft)
    draft.refresh_from_db()
    assert (draft.version, draft.status) == (2, Status.PUBLISHED)
    assert AuditEvent.objects.filter(action="catalog.item_withdraw", summary__reason="职能调整").exists()


# --- Content rules ------------------------------------------------------------------------------


def test_promised_time_limit_cannot_exceed_the_statutory_one(jianghai):
    errors = field_errors(make_content(statutory_days=10, promised_days=15))
    assert list(errors) == ["promised_days"]
    assert "15" in errors["promised_days"][0] and "10" in errors["promised_days"][0]
    # The database holds the same line.
    item = services.item_create_draft(actor=None, content=make_content())
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceItem.objects.filter(pk=item.pk).update(promised_days=30)


def test_zero_day_limits_mean_on_the_spot(jianghai):
    item = services.item_create_draft(actor=None, content=make_content(statutory_days=0, promised_days=0))
    assert item.promised_days == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"online_depth": 4, "max_visits": 1}, "max_visits"),
        ({"online_depth": 5}, "online_depth"),
        ({"channels": ("window",), "online_depth": 3, "max_visits": 1}, "online_depth"),
        ({"channels": ()}, "channels"),
        ({"channels": ("online", "fax")}, "channels"),
        ({"comprehensive_window": True, "channels": ("online",)}, "comprehensive_window"),
        ({"single_sign_on": True, "channels": ("window",), "online_depth": 1, "max_visits": 1}, "single_sign_on"),
        ({"fee_charged": True}, "fee_standard"),
        ({"fee_standard": "10元"}, "fee_standard"),
        ({"kind": "punishment"}, "kind"),
        ({"subject": "robot"}, "subject"),
        ({"department": "nowhere"}, "department"),
        ({"life_events": ("moon_landing",)}, "life_events"),
        ({"legal_basis": ""}, "legal_basis"),
        ({"code": "bad code"}, "code"),
        ({"code": "440704000XK0019800000"}, "code"),  # platform layout, but not its basic code
        ({"basic_code": "QR00199000", "code": "440704000QR0019900000"}, "basic_code"),  # QR is not licensing
        ({"process_key": "Standard Case"}, "process_key"),
        ({"output_licence_type": "营业执照"}, "output_licence_type"),
        ({"materials": (MaterialContent(name="情形材料", requirement="conditional"),)}, "materials.1.condition"),
        ({"materials": (MaterialContent(name="证照", source="licence"),)}, "materials.1.source_ref"),
        ({"materials": (MaterialContent(name="x", source_ref="person.name"),)}, "materials.1.source_ref"),
        ({"materials": (MaterialContent(name="x", copies=0),)}, "materials.1.copies"),
        ({"materials": (MaterialContent(name=""),)}, "materials.1.name"),
    ],
)
def test_broken_rules_name_their_field(jianghai, changes, field):
    assert field in field_errors(make_content(**changes))
    assert not ServiceItem.objects.exists()


def test_a_fee_needs_its_basis(jianghai):
    item = services.item_create_draft(
        actor=None, content=make_content(fee_charged=True, fee_standard="每件10元", fee_basis="《某收费标准》")
    )
    assert item.fee_charged


# --- Form schema subset -------------------------------------------------------------------------

GOOD_FORM = {
    "type": "object",
    "title": "申请表",
    "properties": {
        "name": {"type": "string", "title": "姓名", "maxLength": 50},
        "born": {"type": "string", "format": "date", "title": "出生日期"},
        "size": {"type": "integer", "title": "人数", "enum": [1, 2, 3]},
        "amount": {"type": "number", "title": "金额"},
        "agree": {"type": "boolean", "title": "同意", "description": "是否同意"},
    },
    "required": ["name", "born"],
}


def test_the_form_subset_accepts_every_documented_keyword():
    assert check_form_schema(GOOD_FORM) == []
    assert check_form_schema({}) == []


@pytest.mark.parametrize(
    ("schema", "where"),
    [
        ([], "The form must be a JSON object."),
        ({"type": "array", "properties": {"a": {"type": "string", "title": "A"}}}, "type:"),
        ({"type": "object"}, "properties:"),
        ({"type": "object", "properties": {"a": {"type": "str", "title": "A"}}}, "properties.a.type"),
        ({"type": "object", "properties": {"a": {"type": "string"}}}, "properties.a.title"),
        ({"type": "object", "properties": {"a": {"type": "string", "title": "A", "pattern": "x"}}}, "pattern"),
        ({"type": "object", "properties": {"a": {"type": "integer", "title": "A", "maxLength": 3}}}, "maxLength"),
        ({"type": "object", "properties": {"a": {"type": "string", "title": "A", "format": "email"}}}, "format"),
        ({"type": "object", "properties": {"a": {"type": "integer", "title": "A", "enum": ["1"]}}}, "enum"),
        ({"type": "object", "properties": {"a": {"type": "string", "title": "A", "enum": ["x", "x"]}}}, "enum"),
        ({"type": "object", "properties": {"1a": {"type": "string", "title": "A"}}}, "properties.1a"),
        ({"type": "object", "properties": {"a": {"type": "string", "title": "A"}}, "required": ["b"]}, "required"),
        ({"type": "object", "properties": {"a": {"type": "string", "title": "A"}}, "$schema": "x"}, "$schema"),
    ],
)
@translation.override("en")
def test_the_form_subset_refuses_what_it_does_not_check(schema, where):
    errors = check_form_schema(schema)
    assert errors and any(where in e for e in errors), errors


def test_a_bad_form_stops_the_item(jianghai):
    errors = field_errors(make_content(form_schema={"type": "object", "properties": {"a": {"type": "date"}}}))
    assert list(errors) == ["form_schema"] and len(errors["form_schema"]) == 2


# --- Item codes ---------------------------------------------------------------------------------


def test_platform_codes_are_built_and_read_back():
    basic = coding.basic_code(ServiceItem.Kind.LICENSING, 101)
    assert basic == "XK00101000"
    code = coding.implementation_code("440704", basic, handling=1)
    assert code == "440704000XK0010100001"
    assert coding.implementation_code("440704001000", basic) == "440704001XK0010100000"
    parsed = coding.parse(code)
    assert parsed is not None
    assert (parsed.area, parsed.basic_code, parsed.kind, parsed.main, parsed.sub, parsed.handling) == (
        "440704000",
        "XK00101000",
        ServiceItem.Kind.LICENSING,
        101,
        0,
        1,
    )
    assert coding.parse("11440704MB2C93170J444011700400002") is None  # a provincial code: accepted as it is
    assert coding.check_code("11440704MB2C93170J444011700400002") == []
    with pytest.raises(ValueError):
        coding.basic_code("punishment", 1)
