"""The hotline's JSON API at /api/v1/tickets: partner systems file tickets with a token, signed-in
people read the tickets they may see, anyone follows a ticket by number and code.

Personas: 陈市民 (citizen) files on the site; 吴晓燕 (operator) takes a call; 邓伟明 (handler, 城管)
handles what 城管 is given; the 市场监管 handler (outsider_handler) must see none of it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from dgov.accounts.models import ApiToken, Department, User
from dgov.accounts.services import api_token_create
from dgov.audit.models import AuditEvent
from dgov.core.masking import mask_name, mask_phone
from dgov.hotline import api as hotline_api
from dgov.hotline import services
from dgov.hotline.models import Ticket
from dgov.hotline.tests.conftest import call, leaf

TICKETS = "/api/v1/tickets"
BODY = {
    "type": "help",
    "description": "江海一路与东海路交界那几盏路灯晚上都不亮，走路很危险。",
    "caller_name": "陈伯文",
    "caller_phone": "13800000001",
    "address": "外海街道江海一路88号",
    "latitude": 22.5712,
    "longitude": 113.1345,
    "category_code": "110202",
    "external_id": "JM-2026-0001",
}


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """Failed look-ups are counted in the cache."""
    cache.clear()


@pytest.fixture
def token(hotline: None, sysadmin: User) -> tuple[ApiToken, str]:
    """江门市12345平台, the city's hotline, files tickets for Jianghai as a partner."""
    return api_token_create(actor=sysadmin, name="江门市12345平台", scopes=[ApiToken.Scope.PARTNER])


def token_with(sysadmin: User, *scopes: str) -> str:
    return api_token_create(actor=sysadmin, name=f"系统 {'+'.join(scopes)}", scopes=list(scopes))[1]


def site_ticket(citizen: User, **changes: Any) -> Ticket:
    data = {"type": Ticket.Type.COMPLAINT, "description": "小区门口的垃圾桶三天没人清运，臭气熏天。", **changes}
    return services.ticket_register(actor=citizen, channel=Ticket.Channel.SITE, data=services.TicketInput(**data))


def dispatch_to_cgj(ticket: Ticket, code: str = "110202") -> Ticket:
    return services.ticket_dispatch(
        actor=User.objects.get(username="dispatcher"),
        ticket=ticket,
        category=leaf(code),
        department=Department.objects.get(code="cgj"),
    )


# --- The document ---------------------------------------------------------------------------------


def test_the_openapi_document_lists_the_ticket_endpoints_and_stays_consistent(db: None) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert {"/api/v1/tickets", "/api/v1/tickets/lookup", "/api/v1/tickets/{number}"} <= set(spec["paths"])
    assert set(spec["paths"]["/api/v1/tickets"]) == {"get", "post"}
    assert "201" in spec["paths"]["/api/v1/tickets"]["post"]["responses"]
    schemas = spec["components"]["schemas"]
    assert {"TicketCreate", "TicketRead", "TicketPage", "TicketReceipt", "TicketLookupRead"} <= set(schemas)
    assert set(schemas["TicketCreate"]["required"]) == {"type", "description"}

    # Every reference of the ticket endpoints points at a schema the document defines.
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            return [v for k, v in node.items() if k == "$ref"] + [r for v in node.values() for r in refs(v)]
        if isinstance(node, list):
            return [r for v in node for r in refs(v)]
        return []

    ours = {p: op for p, op in spec["paths"].items() if p.startswith("/api/v1/tickets")}
    for ref in refs(ours) + refs({k: v for k, v in schemas.items() if k.startswith("Ticket")}):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    operation_ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(operation_ids) == len(set(operation_ids))


# --- Filing from a partner system ------------------------------------------------------------------


def test_a_partner_files_a_ticket_and_gets_its_number_and_code(token: tuple[ApiToken, str], client: Client) -> None:
    obj, raw = token
    before = Ticket.objects.count()
    response = client.post(TICKETS, BODY, content_type="application/json", **bearer(raw))
    assert response.status_code == 201, response.content
    body = response.json()
    assert Ticket.objects.count() == before + 1
    ticket = Ticket.objects.select_related("category", "via_token").get(number=body["number"])
    assert body["lookup_code"] == ticket.lookup_code and len(body["lookup_code"]) == 6
    assert body["status"] == Ticket.Status.REGISTERED
    assert ticket.channel == Ticket.Channel.PARTNER and ticket.via_token == obj
    assert (ticket.caller_name, ticket.caller_phone) == ("陈伯文", "13800000001")
    assert ticket.category is not None and ticket.category.code == "110202"
    assert (str(ticket.latitude), ticket.external_id) == ("22.571200", "JM-2026-0001")
    assert AuditEvent.objects.filter(action="hotline.ticket_register", target_id=str(ticket.pk)).exists()


def test_a_token_that_may_submit_files_too(hotline: None, sysadmin: User, client: Client) -> None:
    raw = token_with(sysadmin, ApiToken.Scope.SUBMIT)
    response = client.post(
        TICKETS,
        {"type": "consult", "description": "社保卡补办要带什么？"},
        **bearer(raw),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


def test_a_read_only_token_may_not_file(hotline: None, sysadmin: User, client: Client) -> None:
    raw = token_with(sysadmin, ApiToken.Scope.READ)
    before = Ticket.objects.count()
    response = client.post(TICKETS, BODY, content_type="application/json", **bearer(raw))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert Ticket.objects.count() == before
    assert AuditEvent.objects.filter(action="access.denied", summary__action="hotline.ticket_register").exists()


def test_people_file_on_the_site_not_through_the_api(citizen: User, hotline: None, login: Any) -> None:
    before = Ticket.objects.count()
    assert login(citizen).post(TICKETS, BODY, content_type="application/json").status_code == 403
    assert Client().post(TICKETS, BODY, content_type="application/json").status_code == 401
    assert Ticket.objects.count() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": "  "}, "description"),
        ({"latitude": 23.1291, "longitude": 113.2644}, "latitude"),
        ({"longitude": None}, "longitude"),
        ({"category_code": "999999"}, "category_code"),
        ({"caller_phone": "12345"}, "caller_phone"),
        ({"description": "灯" * 20_001}, "description"),
    ],
)
def test_a_wrong_field_is_named_and_nothing_is_written(
    token: tuple[ApiToken, str], client: Client, changes: dict[str, Any], field: str
) -> None:
    before = Ticket.objects.count()
    response = client.post(TICKETS, {**BODY, **changes}, content_type="application/json", **bearer(token[1]))
    assert response.status_code == 400, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert Ticket.objects.count() == before


@pytest.mark.parametrize(
    "changes",
    [
        {"type": "rumour"},
        {"urgency": "whenever"},
        {"description": "路灯\x00不亮"},
        {"latitude": "north"},
        {"type": None},
    ],
)
def test_a_body_of_the_wrong_shape_is_422(token: tuple[ApiToken, str], client: Client, changes: dict[str, Any]) -> None:
    before = Ticket.objects.count()
    response = client.post(TICKETS, {**BODY, **changes}, content_type="application/json", **bearer(token[1]))
    assert response.status_code == 422 and response.json()["code"] == "validation_error"
    assert Ticket.objects.count() == before


# --- Reading with a session ----------------------------------------------------------------------------


@pytest.fixture
def three(hotline: None, citizen: User, operator: User) -> dict[str, Ticket]:
    """The citizen's complaint on the site, a call about a street light dispatched to 城管, and a
    confidential call also dispatched to 城管."""
    mine = site_ticket(citizen)
    light = dispatch_to_cgj(call(operator))
    secret = dispatch_to_cgj(call(operator, confidential=True, caller_name="李保密", caller_phone="13800000099"))
    return {"mine": mine, "light": light, "secret": secret}


def numbers(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [t["number"] for t in response.json()["items"]]


def test_the_caller_sees_their_own_tickets_in_full(three: dict[str, Ticket], citizen: User, login: Any) -> None:
    client = login(citizen)
    assert numbers(client.get(TICKETS)) == [three["mine"].number]
    item = client.get(TICKETS).json()["items"][0]
    assert item["caller"] == {"name": citizen.real_name, "phone": citizen.phone, "hidden": ""}
    assert item["timeline"] == []


def test_hotline_staff_see_every_ticket_with_the_caller_masked(
    three: dict[str, Ticket], operator: User, login: Any
) -> None:
    body = login(operator).get(TICKETS).json()
    assert body["count"] == 3
    assert [t["number"] for t in body["items"]] == [three[k].number for k in ("secret", "light", "mine")]
    light = next(t for t in body["items"] if t["number"] == three["light"].number)
    assert light["caller"] == {"name": mask_name("陈伯文"), "phone": mask_phone("13800000001"), "hidden": ""}
    assert "13800000001" not in str(body) and "陈伯文" not in str(body)


def test_a_department_sees_what_it_was_given_and_never_a_confidential_caller(
    three: dict[str, Ticket], handler: User, login: Any
) -> None:
    body = login(handler).get(TICKETS).json()
    assert {t["number"] for t in body["items"]} == {three["light"].number, three["secret"].number}
    secret = next(t for t in body["items"] if t["number"] == three["secret"].number)
    assert secret["caller"] == {"name": "", "phone": "", "hidden": "confidential"}
    assert "李保密" not in str(body) and "13800000099" not in str(body)


def test_another_department_sees_nothing(three: dict[str, Ticket], outsider_handler: User, login: Any) -> None:
    client = login(outsider_handler)
    assert client.get(TICKETS).json()["count"] == 0
    for ticket in three.values():
        assert client.get(f"{TICKETS}/{ticket.number}").status_code == 404


def test_pages_and_status(three: dict[str, Ticket], operator: User, login: Any) -> None:
    client = login(operator)
    page = client.get(TICKETS, {"page_size": 2, "page": 2}).json()
    assert (page["count"], page["page"], page["page_size"]) == (3, 2, 2)
    assert [t["number"] for t in page["items"]] == [three["mine"].number]
    assert numbers(client.get(TICKETS, {"status": "registered"})) == [three["mine"].number]
    assert client.get(TICKETS, {"status": "lost"}).status_code == 422
    assert client.get(TICKETS, {"page_size": 101}).status_code == 422


def test_a_system_token_reads_no_tickets(three: dict[str, Ticket], token: tuple[ApiToken, str], client: Client) -> None:
    assert client.get(TICKETS, **bearer(token[1])).status_code == 403
    assert client.get(f"{TICKETS}/{three['light'].number}", **bearer(token[1])).status_code == 403
    assert client.get(TICKETS).status_code == 401


def test_the_list_reads_a_fixed_number_of_queries_for_the_caller(
    hotline: None, citizen: User, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(citizen)
    site_ticket(citizen)
    with django_assert_max_num_queries(12) as few:
        client.get(TICKETS)
    for n in range(4):
        site_ticket(citizen, description=f"第{n}次反映：垃圾桶没人清运。")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(TICKETS).json()["count"] == 5


def test_the_list_reads_a_fixed_number_of_queries_for_staff(
    hotline: None, operator: User, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(operator)
    call(operator)
    with django_assert_max_num_queries(20) as few:
        client.get(TICKETS)
    for _n in range(4):
        call(operator)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(TICKETS).json()["count"] == 5


def test_one_ticket_with_its_timeline_staff_see_every_note_the_caller_the_public_steps(
    hotline: None, citizen: User, handler: User, operator: User, login: Any
) -> None:
    ticket = dispatch_to_cgj(site_ticket(citizen), code="110101")
    services.ticket_return(actor=handler, ticket=ticket, reason="属于物业管理范围，不是城管职责。")
    mine = login(citizen).get(f"{TICKETS}/{ticket.number}")
    assert mine.status_code == 200
    kinds = [e["kind"] for e in mine.json()["timeline"]]
    assert kinds == ["registered", "dispatched"]
    assert all(e["note"] == "" for e in mine.json()["timeline"])
    staff = login(operator).get(f"{TICKETS}/{ticket.number.lower()}").json()
    returned = next(e for e in staff["timeline"] if e["kind"] == "returned")
    assert returned["note"] == "属于物业管理范围，不是城管职责。"
    assert returned["department"] == Department.objects.get(code="cgj").name


@pytest.mark.parametrize("number", ["RX44070400000020991231999999", "nonsense", "RX" + "9" * 40])
def test_an_unknown_number_is_404(three: dict[str, Ticket], operator: User, login: Any, number: str) -> None:
    assert login(operator).get(f"{TICKETS}/{number}").status_code == 404


# --- The public look-up ---------------------------------------------------------------------------------


def test_anyone_follows_a_ticket_by_number_and_code(
    hotline: None, operator: User, handler: User, client: Client
) -> None:
    ticket = call(operator)
    query = {"number": ticket.number, "code": ticket.lookup_code}
    first = client.get(f"{TICKETS}/lookup", query)
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "registered" and first.json()["reply"] == ""
    assert "陈伯文" not in first.content.decode() and "13800000001" not in first.content.decode()
    dispatch_to_cgj(ticket)
    services.ticket_sign(actor=handler, ticket=ticket)
    services.ticket_return
    services.ticket_reply(actor=handler, ticket=ticket, reply="已安排维修。")
    body = client.get(f"{TICKETS}/lookup", query).json()
    assert body["status"] == "replied" and body["reply"] == "已安排维修。"
    assert body["due_at"] is None and body["department_name"] == Department.objects.get(code="cgj").name
    assert [s["kind"] for s in body["timeline"]] == ["registered", "dispatched", "signed", "replied"]
    assert set(body["timeline"][0]) == {"kind", "label", "at"}


def test_a_wrong_code_is_404_and_guessing_is_slowed_down(
    hotline: None, operator: User, client: Client, monkeypatch: Any
) -> None:
    monkeypatch.setattr(hotline_api, "LOOKUP_FAILURES_ALLOWED", 3)
    ticket = call(operator)
    wrong = "000000" if ticket.lookup_code != "000000" else "111111"
    for _n in range(3):
        assert client.get(f"{TICKETS}/lookup", {"number": ticket.number, "code": wrong}).status_code == 404
    right = client.get(f"{TICKETS}/lookup", {"number": ticket.number, "code": ticket.lookup_code})
    assert right.status_code == 429


@pytest.mark.parametrize(
    "query",
    [{"number": "x", "code": "1"}, {"number": "RX\x00", "code": "12"}, {"number": "RX1"}, {}, {"code": "1" * 17}],
)
def test_odd_look_ups_are_refused_plainly(hotline: None, client: Client, query: dict[str, str]) -> None:
    assert client.get(f"{TICKETS}/lookup", query).status_code in (404, 422)
