"""四免 computed from each item's configuration: the rules, the services that store them (draft,
import, publish), the files (read-only columns), the guide and console, and indicator 4."""

import dataclasses
import io
import json

import pytest
from django.apps import apps as django_apps
from django.utils import translation
from openpyxl import load_workbook

from dgov.catalog import coding, exchange, exemptions, services
from dgov.catalog.content import ItemContent, MaterialContent, normalise
from dgov.catalog.models import ServiceItem
from dgov.catalog.selectors import catalogue_flag_counts
from dgov.catalog.tests.factories import make_content
from dgov.registries import fields as registry_fields

C = ServiceItem.Channel
FOUR = ("material_exempt", "prefill", "e_seal", "e_signature")

# A person's form with one field the platform prefills (the account's name) and one it does not.
PREFILLED_FORM = {
    "type": "object",
    "properties": {
        "applicant_name": {"type": "string", "title": "申请人姓名", "maxLength": 50},
        "reason": {"type": "string", "title": "申请理由", "maxLength": 200},
    },
    "required": ["reason"],
}
# Nothing on it the platform knows.
OWN_FORM = {
    "type": "object",
    "properties": {"reason": {"type": "string", "title": "申请理由", "maxLength": 200}},
    "required": ["reason"],
}
HOUSEHOLD = MaterialContent(name="居民户口簿", source="registry", source_ref="person.household", government_issued=True)
LICENCE = MaterialContent(name="营业执照", source="licence", source_ref="business_licence", government_issued=True)
UPLOADED_ID = MaterialContent(name="监护人居民身份证", government_issued=True)  # issued, yet uploaded
OWN_LETTER = MaterialContent(name="申请书")


def rules(**changes) -> exemptions.Exemptions:
    config = {
        "subject": ServiceItem.Subject.PERSON,
        "channels": (C.ONLINE, C.WINDOW),
        "online_depth": 4,
        "form_schema": PREFILLED_FORM,
        "materials": (OWN_LETTER, HOUSEHOLD),
    }
    return exemptions.compute(**{**config, **changes})


def holds(result: exemptions.Exemptions) -> dict[str, bool]:
    return result.flags()


def stored(item: ServiceItem) -> dict[str, bool]:
    item.refresh_from_db()
    return {name: getattr(item, name) for name in FOUR}


def all_false() -> dict[str, bool]:
    return dict.fromkeys(FOUR, False)


# --- The rules ------------------------------------------------------------------------------------


def test_a_fully_online_item_with_nothing_issued_asked_again_and_a_prefilled_form_holds_all_four():
    result = rules()
    assert holds(result) == dict.fromkeys(FOUR, True) and result.all_hold
    assert [e.key for e in result] == list(FOUR)
    assert all(e.reason for e in result)


@pytest.mark.parametrize("material", [HOUSEHOLD, LICENCE])
def test_free_of_submission_when_every_government_issued_material_comes_from_a_registry_or_licence(material):
    assert rules(materials=(OWN_LETTER, material)).material_exempt.holds


def test_a_government_issued_material_the_applicant_uploads_breaks_free_of_submission():
    result = rules(materials=(HOUSEHOLD, UPLOADED_ID, OWN_LETTER))
    assert not result.material_exempt.holds
    assert "监护人居民身份证" in result.material_exempt.reason and "居民户口簿" not in result.material_exempt.reason
    # Only that one: the other three still hold.
    assert holds(result) == {**dict.fromkeys(FOUR, True), "material_exempt": False}
    # The same material, marked as not issued by a government body, asks nothing issued again.
    assert rules(materials=(dataclasses.replace(UPLOADED_ID, government_issued=False),)).material_exempt.holds


def test_free_of_submission_is_vacuously_true_without_government_issued_materials():
    result = rules(materials=(OWN_LETTER, MaterialContent(name="施工合同", form="copy")))
    assert result.material_exempt.holds
    with translation.override("en"):
        assert "no material issued by a government body" in rules(materials=()).material_exempt.reason


def test_a_form_without_prefillable_fields_breaks_free_of_filling_in():
    result = rules(form_schema=OWN_FORM)
    assert holds(result) == {**dict.fromkeys(FOUR, True), "prefill": False}
    assert not rules(form_schema={}).prefill.holds  # no form at all
    with translation.override("en"):
        assert "no field the platform fills in" in rules(form_schema=OWN_FORM).prefill.reason
        assert "申请人姓名" in rules().prefill.reason  # the prefilled field is named by its title


@pytest.mark.parametrize("field", sorted(registry_fields.PREFILLABLE_FIELDS))
def test_every_field_the_platform_prefills_counts_and_comes_from_one_list(field):
    form = {"type": "object", "properties": {field: {"type": "string", "title": field}}}
    assert rules(form_schema=form).prefill.holds


def test_prefill_reads_the_same_field_lists():
    from dgov.cases import prefill

    assert prefill.REGISTRY_FIELDS is registry_fields.REGISTRY_FIELDS
    assert prefill.ACCOUNT_FIELDS is registry_fields.ACCOUNT_FIELDS
    assert set(registry_fields.ACCOUNT_FIELDS) | {"address", "legal_representative"} <= (
        registry_fields.PREFILLABLE_FIELDS
    )


def test_free_of_filling_in_needs_an_online_application():
    # Depth 3 (apply online, one visit) is enough for 免填写 …
    assert rules(online_depth=3).prefill.holds
    # … depth 2 (forms to download) is not, nor is an item without the online or mobile channel.
    assert not rules(online_depth=2).prefill.holds
    assert not rules(channels=(C.WINDOW, C.KIOSK)).prefill.holds
    assert rules(channels=(C.MOBILE,)).prefill.holds


def test_depth_3_breaks_free_of_seal_and_signature():
    result = rules(online_depth=3)
    assert holds(result) == {"material_exempt": True, "prefill": True, "e_seal": False, "e_signature": False}
    with translation.override("en"):
        assert "not fully online (online depth 3)" in rules(online_depth=3).e_seal.reason
        assert "signed by hand" in rules(online_depth=3).e_signature.reason


def test_seal_and_signature_need_the_online_or_mobile_channel():
    assert not rules(channels=(C.WINDOW, C.KIOSK, C.PARTNER)).e_seal.holds
    assert not rules(channels=(C.WINDOW, C.KIOSK, C.PARTNER)).e_signature.holds
    mobile = rules(channels=(C.MOBILE,))
    assert mobile.e_seal.holds and mobile.e_signature.holds


def test_a_window_only_item_holds_none_but_free_of_submission():
    result = rules(channels=(C.WINDOW,), online_depth=1)
    assert holds(result) == {"material_exempt": True, "prefill": False, "e_seal": False, "e_signature": False}
    with translation.override("en"):
        assert "neither the online nor the mobile channel" in rules(channels=(C.WINDOW,), online_depth=1).prefill.reason


def test_the_seal_reason_says_individuals_need_none():
    with translation.override("en"):
        person = rules(subject=ServiceItem.Subject.PERSON).e_seal.reason
        enterprise = rules(subject=ServiceItem.Subject.ENTERPRISE).e_seal.reason
        both = rules(subject=ServiceItem.Subject.BOTH).e_seal.reason
    assert "Individuals applying online need no seal" in person and "e-seal" not in person
    assert "e-seal" in enterprise and "individuals need no seal" in both


def test_malformed_configuration_from_a_file_is_not_an_error_here():
    # The content rules report these; the computation must only not fail on them.
    result = exemptions.compute(
        subject="robot", channels=("online", "carrier pigeon"), online_depth="4", form_schema=[1], materials=()
    )
    assert holds(result) == {"material_exempt": True, "prefill": False, "e_seal": False, "e_signature": False}


# --- What the services store ----------------------------------------------------------------------


def item_content(**changes) -> ItemContent:
    """make_content (scjg, both, depth 4, org_name on its form) with an uploaded government-issued material."""
    return make_content(
        **{
            "materials": (OWN_LETTER, MaterialContent(name="不动产权证书", form="copy", government_issued=True)),
            **changes,
        }
    )


def test_a_draft_stores_what_its_configuration_supports_not_what_the_caller_claims(jianghai):
    claimed = dataclasses.replace(item_content(form_schema=OWN_FORM), **dict.fromkeys(FOUR, True))
    draft = services.item_create_draft(actor=None, content=claimed)
    assert stored(draft) == {"material_exempt": False, "prefill": False, "e_seal": True, "e_signature": True}
    # Editing the draft's configuration recomputes them.
    services.item_update_draft(
        actor=None, item=draft, content=item_content(materials=(OWN_LETTER, LICENCE), online_depth=3, max_visits=1)
    )
    assert stored(draft) == {"material_exempt": True, "prefill": True, "e_seal": False, "e_signature": False}
    services.item_update_draft(actor=None, item=draft, content=item_content(materials=(LICENCE,)))
    assert stored(draft) == dict.fromkeys(FOUR, True)


def test_a_new_version_and_its_materials_are_recomputed(jianghai):
    published = services.item_publish(
        actor=None, item=services.item_create_draft(actor=None, content=item_content(materials=(LICENCE,)))
    )
    assert stored(published) == dict.fromkeys(FOUR, True)
    draft = services.item_new_version(actor=None, item=published)
    assert stored(draft) == dict.fromkeys(FOUR, True)
    services.item_update_draft(actor=None, item=draft, content=item_content())
    assert stored(draft)["material_exempt"] is False
    assert stored(published)["material_exempt"] is True  # the published version is not touched


def test_publishing_recomputes_from_the_final_configuration(jianghai, monkeypatch):
    draft = services.item_create_draft(actor=None, content=item_content(materials=(LICENCE,)))
    assert stored(draft) == dict.fromkeys(FOUR, True)
    # Stale stored values (a row written before the rules, or by hand) do not survive publishing …
    ServiceItem.objects.filter(pk=draft.pk).update(**dict.fromkeys(FOUR, False))
    published = services.item_publish(actor=None, item=draft)
    assert stored(published) == dict.fromkeys(FOUR, True)
    # … and neither do values the rules no longer support (the platform stopped prefilling org_name).
    draft = services.item_new_version(actor=None, item=published)
    monkeypatch.setattr(exemptions, "PREFILLABLE_FIELDS", frozenset())
    services.item_publish(actor=None, item=draft)
    assert stored(draft) == {**dict.fromkeys(FOUR, True), "prefill": False}


def test_the_migration_recomputes_existing_rows(jianghai):
    import importlib

    migration = importlib.import_module("dgov.catalog.migrations.0003_material_government_issued_computed_exemptions")
    good = services.item_create_draft(actor=None, content=item_content(materials=(LICENCE,)))
    bad = services.item_create_draft(
        actor=None,
        content=item_content(code="440704000XK0019800000", basic_code="XK00198000", online_depth=3, max_visits=1),
    )
    ServiceItem.objects.filter(pk=good.pk).update(**dict.fromkeys(FOUR, False))
    ServiceItem.objects.filter(pk=bad.pk).update(**dict.fromkeys(FOUR, True))
    migration.recompute_exemptions(django_apps, None)
    assert stored(good) == dict.fromkeys(FOUR, True)
    assert stored(bad) == {"material_exempt": False, "prefill": True, "e_seal": False, "e_signature": False}


# --- Files ----------------------------------------------------------------------------------------


OLD_HEADERS = {
    "免提交（自动计算）": "免提交",
    "免填写（自动计算）": "免填写",
    "免用实物印章（自动计算）": "免盖章",
    "免手写签名（自动计算）": "免签字",
}


def test_an_old_workbook_that_claims_the_four_imports_with_computed_values(jianghai):
    # An item at depth 2 with an uploaded government-issued material: none of the four is supported.
    content = item_content(online_depth=2, max_visits=1)
    workbook = load_workbook(io.BytesIO(exchange.write_xlsx([content], exchange.Names.load())))
    ws = workbook["事项"]
    header = [c.value for c in ws[1]]
    for new, old in OLD_HEADERS.items():  # the headers files had before, every value 是
        column = header.index(new) + 1
        ws.cell(row=1, column=column, value=old)
        ws.cell(row=2, column=column, value="是")
    out = io.BytesIO()
    workbook.save(out)
    result = services.catalog_import(
        actor=None, parsed=exchange.read_xlsx(io.BytesIO(out.getvalue()), exchange.Names.load()), publish=True
    )
    assert result.published == [content.code]
    item = ServiceItem.objects.get(code=content.code, status=ServiceItem.Status.PUBLISHED)
    assert stored(item) == all_false()
    assert item.materials.get(name="不动产权证书").government_issued is True


def test_the_read_only_columns_are_not_read(published):
    # The new headers with 是 in them are ignored too: a file cannot switch an exemption on.
    data = exchange.write_xlsx([item_content(online_depth=2, max_visits=1)], exchange.Names.load())
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook["事项"]
    header = [c.value for c in ws[1]]
    for new in OLD_HEADERS:
        ws.cell(row=2, column=header.index(new) + 1, value="是")
        assert ws.cell(row=1, column=header.index(new) + 1).font.italic  # marked in the header
    ws.cell(row=2, column=header.index("免提交（自动计算）") + 1, value="也许")  # not even checked
    out = io.BytesIO()
    workbook.save(out)
    parsed = exchange.read_xlsx(io.BytesIO(out.getvalue()), exchange.Names.load())
    assert parsed.errors == [] and not any(getattr(parsed.items[0].content, name) for name in FOUR)
    services.catalog_import(actor=None, parsed=parsed, publish=True)
    assert stored(ServiceItem.objects.get(code=published.code, status=ServiceItem.Status.PUBLISHED)) == all_false()
    notes = {row[1]: row[4] for row in workbook["填写说明"].iter_rows(min_row=2, values_only=True)}
    assert all("只读" in notes[h] and "导入时忽略" in notes[h] for h in OLD_HEADERS)
    assert "政府核发" in notes


def test_a_json_file_that_claims_the_four_imports_with_computed_values(jianghai):
    content = item_content(channels=(C.WINDOW,), online_depth=1, max_visits=1, single_sign_on=False)
    exported = json.loads(exchange.write_json([normalise(content)]))
    (entry,) = exported["items"]
    assert entry["computed"] == all_false() and not set(FOUR) & set(entry)  # read-only, apart
    entry["computed"] = dict.fromkeys(FOUR, True)
    entry.update(dict.fromkeys(FOUR, True))  # as files written before put them
    parsed = exchange.read_json(io.BytesIO(json.dumps(exported).encode()))
    assert parsed.errors == []
    services.catalog_import(actor=None, parsed=parsed, publish=True)
    assert stored(ServiceItem.objects.get(code=content.code, status=ServiceItem.Status.PUBLISHED)) == all_false()


def test_importing_an_exported_file_again_changes_nothing(jianghai):
    services.item_publish(
        actor=None, item=services.item_create_draft(actor=None, content=item_content(materials=(LICENCE,)))
    )
    exported = exchange.write_xlsx(
        [ItemContent.from_item(i) for i in ServiceItem.objects.filter(status="published")], exchange.Names.load()
    )
    result = services.catalog_import(
        actor=None, parsed=exchange.read_xlsx(io.BytesIO(exported), exchange.Names.load()), publish=True
    )
    assert result.unchanged == ["440704000XK0019900000"] and not (result.created or result.changed)


# --- Pages ----------------------------------------------------------------------------------------


def test_the_guide_shows_each_exemption_with_its_reason(jianghai, client):
    item = services.item_publish(
        actor=None,
        item=services.item_create_draft(
            actor=None, content=item_content(online_depth=3, max_visits=1, subject=ServiceItem.Subject.PERSON)
        ),
    )
    client.cookies["django_language"] = "en"
    html = client.get(f"/services/{item.code}/").content.decode()
    assert 'id="exemptions-title"' in html
    assert html.count('class="does-not-hold"') == 3 and html.count('class="holds"') == 1
    for text in (
        "You still upload materials issued by a government body: 不动产权证书.",
        "Filled in from your account or a base registry: 单位名称.",
        "not fully online (online depth 3)",
    ):
        assert text in html
    assert 'class="issued"' in html  # the government-issued material is marked
    # Badges stay for what holds, and only for that.
    assert "<li>Prefilled</li>" in html and "<li>No re-submitting</li>" not in html


def test_the_console_shows_the_computed_values_read_only(jianghai, scjg_admin, login):
    draft = services.item_create_draft(actor=None, content=item_content(materials=(LICENCE,)))
    client = login(scjg_admin)
    client.cookies["django_language"] = "en"
    html = client.get(f"/services/manage/items/{draft.pk}/").content.decode()
    assert "Computed by the platform from this version" in html
    assert html.count('class="holds"') == 4
    assert "Every material issued by a government body is taken from a base registry or an e-licence: 营业执照." in html


# --- Indicator 4 ----------------------------------------------------------------------------------


def _item(n: int, *, publish: bool = True, **changes) -> ServiceItem:
    basic = coding.basic_code(ServiceItem.Kind.LICENSING, 90 + n)
    content = item_content(code=coding.implementation_code("440704", basic), basic_code=basic, **changes)
    draft = services.item_create_draft(actor=None, content=content)
    return services.item_publish(actor=None, item=draft) if publish else draft


def test_indicator_4_counts_high_frequency_items_whose_four_computed_exemptions_hold(jianghai):
    everything = {"high_frequency": True, "materials": (OWN_LETTER, LICENCE), **dict.fromkeys(FOUR, True)}
    a = _item(1, **everything)  # all four hold
    _item(2, **{**everything, "materials": (LICENCE, UPLOADED_ID)})  # 免提交 broken
    _item(3, **{**everything, "online_depth": 3, "max_visits": 1})  # seal and signature broken
    _item(4, **{**everything, "form_schema": OWN_FORM})  # 免填写 broken
    _item(5, **{**everything, "channels": (C.WINDOW,), "online_depth": 1, "max_visits": 1, "single_sign_on": False})
    _item(6, **{**everything, "high_frequency": False})  # all four hold, but not high-frequency
    _item(7, publish=False, **everything)  # all four hold, but only a draft
    counts = catalogue_flag_counts()
    assert (counts["high_frequency_total"], counts["four_exemptions_hf"]) == (5, 1)
    assert ServiceItem.objects.filter(status="published", **dict.fromkeys(FOUR, True)).count() == 2
    assert a.has_four_exemptions
