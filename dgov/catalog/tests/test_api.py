"""/api/v1/catalog: published items for anyone, searched and filtered, paginated."""

from dgov.catalog import services


def test_items_are_searched_without_signing_in(demo_catalog, client):
    body = client.get("/api/v1/catalog/items", {"q": "食品"}).json()
    assert body["items"][0]["name"] == "食品经营许可"
    assert body["count"] == 3 and body["page"] == 1 and body["page_size"] == 20
    first = body["items"][0]
    assert first["department"] == "scjg" and first["department_name"] == "江海区市场监督管理局"
    assert first["kind"] == "licensing" and first["online_depth"] == 4 and first["high_frequency"] is True
    assert "operating_licence" in first["life_events"]


def test_items_are_filtered_and_paginated(demo_catalog, client):
    body = client.get("/api/v1/catalog/items", {"kind": "payment", "page_size": 5, "page": 2}).json()
    assert body["page"] == 2 and len(body["items"]) == 5
    assert all(i["kind"] == "payment" for i in body["items"])
    everything = client.get("/api/v1/catalog/items", {"page_size": 100}).json()
    assert everything["count"] == 49 and len(everything["items"]) == 49
    person = client.get("/api/v1/catalog/items", {"subject": "person", "life_event": "elderly"}).json()
    assert {i["subject"] for i in person["items"]} <= {"person", "both"} and person["count"] >= 3
    assert client.get("/api/v1/catalog/items", {"kind": "punishment"}).status_code == 422
    assert client.get("/api/v1/catalog/items", {"page_size": 1000}).json()["page_size"] == 100


def test_an_items_guide(demo_catalog, client):
    body = client.get("/api/v1/catalog/items/440704000XK0010200001").json()
    assert body["name"] == "食品经营许可" and body["statutory_days"] == 10 and body["promised_days"] == 3
    assert body["legal_basis"].startswith("《中华人民共和国食品安全法》")
    assert body["materials"][0] == {
        "position": 1,
        "name": "《食品经营许可申请书》",
        "form": "original",
        "copies": 1,
        "requirement": "required",
        "condition": "",
        "source": "applicant",
        "source_ref": "",
        "notes": "网上办理时在线填写，无需另交纸质表格",
        "government_issued": False,
    }
    assert body["materials"][1]["name"] == "营业执照" and body["materials"][1]["government_issued"] is True
    assert body["form_schema"]["type"] == "object" and body["process_key"] == "standard_case"
    # The four exemptions, computed, each with its reason.
    assert [(e["key"], e["holds"]) for e in body["exemptions"]] == [
        ("material_exempt", True),
        ("prefill", True),
        ("e_seal", True),
        ("e_signature", True),
    ]
    assert all(e["reason"] for e in body["exemptions"])
    assert (body["material_exempt"], body["prefill"], body["e_seal"], body["e_signature"]) == (True, True, True, True)


def test_unknown_and_withdrawn_items(published, client):
    assert client.get("/api/v1/catalog/items/NOPE").json()["code"] == "not_found"
    services.item_withdraw(actor=None, item=published, reason="职能调整")
    response = client.get(f"/api/v1/catalog/items/{published.code}")
    assert response.status_code == 410


def test_life_events_and_openapi(jianghai, client):
    events = client.get("/api/v1/catalog/life-events").json()
    assert {"code": "birth", "name": "出生", "name_en": "Birth", "audience": "person"} in events
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/catalog/items", "/api/v1/catalog/items/{code}"} <= set(spec["paths"])
    assert "ItemRead" in spec["components"]["schemas"] and "ItemPage" in spec["components"]["schemas"]
