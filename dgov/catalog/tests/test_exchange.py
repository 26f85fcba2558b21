"""Import and export: XLSX and JSON round trips, row-level errors, all-or-nothing, commands and the upload page."""

import dataclasses
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook, load_workbook

from dgov.audit.models import AuditEvent
from dgov.catalog import exchange, selectors, services
from dgov.catalog.content import ItemContent, MaterialContent
from dgov.catalog.models import ItemMaterial, ServiceItem
from dgov.catalog.tests.factories import make_content
from dgov.core.errors import ApplicationError


def published_contents() -> dict[str, ItemContent]:
    return {i.code: ItemContent.from_item(i) for i in selectors.items_for_export()}


def sheet_values(data: bytes) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in workbook.worksheets}


def import_xlsx(data: bytes, *, actor=None, publish: bool = True) -> services.ImportResult:
    parsed = exchange.read_xlsx(io.BytesIO(data), exchange.Names.load())
    return services.catalog_import(actor=actor, parsed=parsed, publish=publish)


def import_errors(data: bytes, **kwargs) -> list[tuple[str, int, str]]:
    with pytest.raises(services.CatalogImportError) as exc:
        import_xlsx(data, **kwargs)
    return [(e.sheet, e.row, e.column) for e in exc.value.rows]


def wipe_catalogue() -> None:
    ServiceItem.objects.all().delete()


# --- Round trips ----------------------------------------------------------------------------------


def test_xlsx_round_trip_into_an_empty_catalogue_is_identical(demo_catalog):
    names = exchange.Names.load()
    before = published_contents()
    exported = exchange.write_xlsx(before.values(), names)
    wipe_catalogue()

    result = import_xlsx(exported)

    assert sorted(result.created) == sorted(before) and sorted(result.published) == sorted(before)
    after = published_contents()
    assert after == before
    assert sheet_values(exchange.write_xlsx(after.values(), names)) == sheet_values(exported)


def test_json_round_trip_into_an_empty_catalogue_is_identical(demo_catalog):
    before = published_contents()
    exported = exchange.write_json(before.values())
    wipe_catalogue()
    services.catalog_import(actor=None, parsed=exchange.read_json(io.BytesIO(exported)), publish=True)
    assert published_contents() == before
    assert exchange.write_json(published_contents().values()) == exported


def test_the_workbook_uses_the_departments_headers(published):
    sheets = sheet_values(exchange.write_xlsx(published_contents().values(), exchange.Names.load()))
    assert list(sheets) == ["事项", "材料", "填写说明"]
    header, row = sheets["事项"][0], sheets["事项"][1]
    for title in (
        "事项编码",
        "事项名称",
        "实施部门",
        "事项类型",
        "法定办结时限",
        "承诺办结时限",
        "网办深度",
        "最多跑动次数",
    ):
        assert title in header
    values = dict(zip(header, row, strict=True))
    assert values["实施部门"] == "江海区市场监督管理局" and values["事项类型"] == "行政许可"
    assert values["办理渠道"] == "网上办理、窗口办理" and values["综合窗口受理"] == "是"
    assert sheets["材料"][1][:3] == ("440704000XK0019900000", 1, "申请书")


def test_importing_the_same_file_again_writes_nothing(demo_catalog):
    exported = exchange.write_xlsx(published_contents().values(), exchange.Names.load())
    events = AuditEvent.objects.count()
    versions = ServiceItem.objects.count()
    result = import_xlsx(exported)
    assert result.created == result.changed == result.published == []
    assert len(result.unchanged) == versions
    assert (AuditEvent.objects.count(), ServiceItem.objects.count()) == (events, versions)


def test_a_changed_row_becomes_a_new_draft_and_the_published_version_stays(published):
    changed = make_content(promised_days=2, materials=(MaterialContent(name="申请书"),))
    result = import_xlsx(exchange.write_xlsx([changed], exchange.Names.load()), publish=False)
    assert result.changed == [published.code] and result.published == []
    draft = ServiceItem.objects.get(code=published.code, status=ServiceItem.Status.DRAFT)
    assert (draft.version, draft.promised_days, draft.materials.count()) == (2, 2, 1)
    published.refresh_from_db()
    assert (published.status, published.promised_days) == (ServiceItem.Status.PUBLISHED, 5)
    # Importing again replaces the draft in place; with publish, the draft goes live.
    result = import_xlsx(exchange.write_xlsx([dataclasses.replace(changed, promised_days=1)], exchange.Names.load()))
    draft.refresh_from_db()
    assert (draft.status, draft.promised_days, draft.version) == (ServiceItem.Status.PUBLISHED, 1, 2)
    assert AuditEvent.objects.filter(action="catalog.import").count() == 2


def test_labels_and_codes_are_both_accepted(jianghai):
    workbook = load_workbook(io.BytesIO(exchange.write_xlsx([make_content()], exchange.Names.load())))
    ws = workbook["事项"]
    header = [c.value for c in ws[1]]
    for title, value in (
        ("实施部门", "scjg"),
        ("事项类型", "licensing"),
        ("承诺办结时限", "5个工作日"),
        ("高频事项", "Y"),
    ):
        ws.cell(row=2, column=header.index(title) + 1, value=value)
    out = io.BytesIO()
    workbook.save(out)
    import_xlsx(out.getvalue())
    item = ServiceItem.objects.get(code="440704000XK0019900000")
    assert item.department.code == "scjg" and item.promised_days == 5 and item.high_frequency


# --- Row errors -----------------------------------------------------------------------------------


def _workbook_with_rows(contents: list[ItemContent]) -> Workbook:
    return load_workbook(io.BytesIO(exchange.write_xlsx(contents, exchange.Names.load())))


def _set(ws, row: int, header: str, value) -> None:
    titles = [c.value for c in ws[1]]
    ws.cell(row=row, column=titles.index(header) + 1, value=value)


def _save(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@translation.override("en")
def test_every_kind_of_bad_row_is_reported_and_nothing_is_written(published):
    rows = [make_content(code=f"440704000XK00199000{n:02d}", name=f"事项{n}") for n in range(1, 12)]
    workbook = _workbook_with_rows(rows)
    items, materials = workbook["事项"], workbook["材料"]
    _set(items, 2, "承诺办结时限", "三天")  # not a number
    _set(items, 3, "事项类型", "行政处罚")  # unknown choice
    _set(items, 4, "承诺办结时限", 30)  # promised > statutory
    _set(items, 5, "实施部门", "江海区不存在局")  # unknown department
    _set(items, 6, "事项编码", "440704000XK0019900001")  # the code of row 2 again
    _set(materials, 10, "事项编码", "440704000XK0019900001")  # (its materials follow it)
    _set(materials, 11, "事项编码", "440704000XK0019900001")
    _set(items, 7, "高频事项", "也许")  # not yes or no
    _set(items, 8, "申请表单", "{not json")  # not JSON
    _set(items, 9, "事项名称", "")  # required value missing
    _set(items, 10, "申请表单", json.dumps({"type": "object", "properties": {"a": {"type": "date", "title": "日期"}}}))
    _set(items, 11, "办理渠道", "网上办理、窗口办理、传真")  # unknown channel
    _set(items, 12, "主题分类", "登月")  # unknown life event
    _set(materials, 2, "必要性", "视情形提交")  # conditional without its condition
    _set(materials, 3, "事项编码", "NO-SUCH-ITEM")  # a material of no item
    _set(materials, 4, "份数", 0)  # copies below 1
    before = (ServiceItem.objects.count(), ItemMaterial.objects.count(), AuditEvent.objects.count())

    with pytest.raises(services.CatalogImportError) as exc:
        import_xlsx(_save(workbook))

    found = {(e.sheet, e.row, e.column) for e in exc.value.rows}
    assert found == {
        ("事项", 2, "承诺办结时限"),
        ("事项", 3, "事项类型"),
        ("事项", 4, "承诺办结时限"),
        ("事项", 5, "实施部门"),
        ("事项", 6, "事项编码"),
        ("事项", 7, "高频事项"),
        ("事项", 8, "申请表单"),
        ("事项", 9, "事项名称"),
        ("事项", 10, "申请表单"),
        ("事项", 11, "办理渠道"),
        ("事项", 12, "主题分类"),
        ("材料", 2, "适用情形"),
        ("材料", 3, "事项编码"),
        ("材料", 4, "份数"),
    }
    messages = {(e.row, e.column): e.message for e in exc.value.rows if e.sheet == "事项"}
    assert messages[(2, "承诺办结时限")] == "A whole number is expected here."
    assert "30" in messages[(4, "承诺办结时限")]
    assert "row 2" in messages[(6, "事项编码")]
    assert "properties.a.type" in messages[(10, "申请表单")]
    assert "江海区不存在局" in messages[(5, "实施部门")]
    assert exc.value.code == "import_invalid" and "14" in exc.value.message
    assert (ServiceItem.objects.count(), ItemMaterial.objects.count(), AuditEvent.objects.count()) == before


def test_row_errors_are_in_the_pages_language(jianghai):
    from django.utils import translation

    workbook = _workbook_with_rows([make_content()])
    _set(workbook["事项"], 2, "法定办结时限", "很快")
    with translation.override("zh-hans"), pytest.raises(services.CatalogImportError) as exc:
        import_xlsx(_save(workbook))
    assert exc.value.rows[0].column == "法定办结时限" and exc.value.rows[0].message


def test_missing_sheets_and_columns_are_reported(jianghai):
    workbook = Workbook()
    workbook.active.title = "事项"
    workbook.active.append(["事项编码", "事项名称"])
    assert import_errors(_save(workbook)) == [("材料", 0, "")]
    workbook.create_sheet("材料").append(["事项编码", "材料名称"])
    missing = import_errors(_save(workbook))
    assert ("事项", 1, "实施部门") in missing and ("事项", 1, "承诺办结时限") in missing


def test_a_file_that_is_not_a_workbook_is_refused(jianghai):
    with pytest.raises(ApplicationError) as exc:
        import_xlsx(b"PK\x03\x04 not really a zip")
    assert exc.value.code == "not_xlsx"


def test_an_administrator_may_import_only_their_departments_items(published, mzj_admin, scjg_admin):
    data = exchange.write_xlsx(
        [make_content(promised_days=4), make_content(code="440704000XK0019800000", basic_code="XK00198000")],
        exchange.Names.load(),
    )
    errors = import_errors(data, actor=mzj_admin)
    assert ("事项", 2, "事项编码") in errors and ("事项", 2, "实施部门") in errors and ("事项", 3, "实施部门") in errors
    result = import_xlsx(data, actor=scjg_admin, publish=False)
    assert result.changed == [published.code] and result.created == ["440704000XK0019800000"]


def test_formula_like_text_stays_text(jianghai):
    data = exchange.write_xlsx([make_content(keywords='=HYPERLINK("http://x")')], exchange.Names.load())
    workbook = load_workbook(io.BytesIO(data))
    header = [c.value for c in workbook["事项"][1]]
    cell = workbook["事项"].cell(row=2, column=header.index("关键词") + 1)
    assert cell.data_type == "s"


# --- JSON ---------------------------------------------------------------------------------------


def test_json_errors_name_the_item_and_field(jianghai):
    good = make_content().as_dict()
    bad_type = {**good, "code": "440704000XK0019900001", "statutory_days": "20"}
    unknown = {**good, "code": "440704000XK0019900002", "colour": "red"}
    missing = {k: v for k, v in good.items() if k != "name"} | {"code": "440704000XK0019900003"}
    bad_material = {**good, "code": "440704000XK0019900004", "materials": [{"name": "x", "copies": "1"}]}
    doc = {"format": "dgov.catalog", "version": 1, "items": [good, bad_type, unknown, missing, bad_material]}
    parsed = exchange.read_json(io.BytesIO(json.dumps(doc).encode()))
    with pytest.raises(services.CatalogImportError) as exc:
        services.catalog_import(actor=None, parsed=parsed, publish=True)
    found = {(e.sheet, e.row, e.column) for e in exc.value.rows}
    assert found == {
        ("items", 2, "statutory_days"),
        ("items", 3, "colour"),
        ("items", 4, "name"),
        ("items", 5, "materials[1].copies"),
    }
    assert not ServiceItem.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"\xff\xfe", "not_json"),
        (b"[]", "not_catalogue"),
        (b'{"format": "dgov.catalog", "version": 9, "items": []}', "bad_version"),
    ],
)
def test_json_that_is_not_a_catalogue_is_refused(body, code):
    with pytest.raises(ApplicationError) as exc:
        exchange.read_json(io.BytesIO(body))
    assert exc.value.code == code


# --- Commands and the upload page ---------------------------------------------------------------


def test_export_and_import_commands(demo_catalog, tmp_path):
    xlsx, js = tmp_path / "catalogue.xlsx", tmp_path / "catalogue.json"
    call_command("catalog_export", str(xlsx))
    call_command("catalog_export", str(js), "--department", "scjg")
    assert {i["department"] for i in json.loads(js.read_text(encoding="utf-8"))["items"]} == {"scjg"}
    before = published_contents()
    wipe_catalogue()
    out = io.StringIO()
    call_command("catalog_import", str(xlsx), "--publish", stdout=out)
    assert f"created {len(before)}" in out.getvalue()
    assert published_contents() == before
    with pytest.raises(CommandError):
        call_command("catalog_export", str(tmp_path / "catalogue.csv"))
    with pytest.raises(CommandError):
        call_command("catalog_export", str(js), "--department", "nowhere")


def test_import_command_lists_row_errors(jianghai, tmp_path):
    workbook = _workbook_with_rows([make_content()])
    _set(workbook["事项"], 2, "网办深度", "高")
    path = tmp_path / "bad.xlsx"
    path.write_bytes(_save(workbook))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("catalog_import", str(path), stderr=err)
    assert "事项 row 2 [网办深度]" in err.getvalue()
    assert not ServiceItem.objects.exists()


def test_a_department_administrator_imports_through_the_upload_page(scjg_admin, client):
    client.force_login(scjg_admin)
    assert client.get("/services/manage/import/").status_code == 200
    data = exchange.write_xlsx([make_content()], exchange.Names.load())
    upload = SimpleUploadedFile("catalogue.xlsx", data)
    response = client.post("/services/manage/import/", {"file": upload})
    assert response.status_code == 302 and response.url == "/services/manage/"
    item = ServiceItem.objects.get(code="440704000XK0019900000")
    assert item.status == ServiceItem.Status.DRAFT and item.created_by == scjg_admin
    # The export link gives the file back (drafts included on request).
    exported = client.get("/services/manage/export/?format=xlsx&drafts=1")
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    assert sheet_values(exported.content)["事项"][1][0] == item.code
    assert client.get("/services/manage/export/?format=json").json()["items"] == []  # nothing published yet


def test_the_upload_page_lists_row_errors(scjg_admin, client):
    client.force_login(scjg_admin)
    workbook = _workbook_with_rows([make_content()])
    _set(workbook["事项"], 2, "承诺办结时限", 99)
    response = client.post("/services/manage/import/", {"file": SimpleUploadedFile("c.xlsx", _save(workbook))})
    assert response.status_code == 200
    html = response.content.decode()
    assert "承诺办结时限" in html and "<caption>" in html
    assert response.context["row_errors"][0].row == 2
    assert not ServiceItem.objects.exists()


def test_the_upload_page_refuses_other_files(scjg_admin, client):
    client.force_login(scjg_admin)
    response = client.post("/services/manage/import/", {"file": SimpleUploadedFile("c.csv", b"a,b")})
    assert response.status_code == 200 and response.context["form"].errors["file"]
    response = client.post("/services/manage/import/", {"file": SimpleUploadedFile("c.xlsx", b"not a workbook")})
    assert response.context["form"].errors["file"]
