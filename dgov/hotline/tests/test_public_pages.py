"""The hotline's public pages: 陈伯文 (citizen) files tickets on the site, a phone and the message
board, follows them in his account or by number and code; anyone reads the message board, which
never names the writer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dgov.accounts.models import Department, User
from dgov.core.workdays import CALENDAR_TZ
from dgov.hotline import services
from dgov.hotline.models import Extension, Ticket, TicketEvent
from dgov.hotline.tests.conftest import leaf, make_handler

pytestmark = pytest.mark.django_db
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1"
)
MONDAY = datetime(2026, 3, 9, 10, 0, tzinfo=CALENDAR_TZ)


@pytest.fixture(autouse=True)
def no_auto_dispatch(settings: Any) -> None:
    """Every ticket waits for a person, whatever a trained classifier would say."""
    settings.DGOV_HOTLINE_AUTO_DISPATCH_THRESHOLD = 2


def form(**changes: Any) -> dict[str, Any]:
    data = {
        "type": "help",
        "title": "路灯不亮",
        "description": "江海一路与东海路交界那几盏路灯晚上都不亮，走路很危险。",
        "address": "外海街道江海一路88号",
        **changes,
    }
    return {k: v for k, v in data.items() if v is not None}


def filed(citizen: User, channel: str = Ticket.Channel.SITE, **changes: Any) -> Ticket:
    data = {"type": "help", "title": "路灯不亮", "description": "江海一路的路灯晚上都不亮。", **changes}
    return services.ticket_register(actor=citizen, channel=channel, data=services.TicketInput(**data))


def close_with_reply(ticket: Ticket, *, dispatcher: User, handler: User, operator: User, cgj: Department) -> Ticket:
    """Dispatch to 城管, sign, reply, call back: closed (and published when the caller agreed)."""
    services.ticket_dispatch(actor=dispatcher, ticket=ticket, category=leaf("110202"), department=cgj)
    services.ticket_sign(actor=handler, ticket=ticket)
    services.ticket_reply(actor=handler, ticket=ticket, reply="已安排维修，路灯已恢复照明。")
    services.ticket_callback(actor=operator, ticket=ticket, outcome="solved")
    ticket.refresh_from_db()
    return ticket


# --- Filing ---------------------------------------------------------------------------------------------------


def test_report_as_citizen_creates_a_site_ticket_and_shows_number_and_code(hotline, citizen, login):
    client = login(citizen)
    assert client.get(reverse("hotline:report")).status_code == 200
    response = client.post(reverse("hotline:report"), form(publish_consent="on"))
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("hotline:receipt", args=[ticket.pk])
    assert ticket.channel == Ticket.Channel.SITE and ticket.caller == citizen and ticket.type == "help"
    assert ticket.caller_name == citizen.real_name and ticket.publish_consent and not ticket.anonymous
    assert ticket.region is not None and ticket.region.name == "外海街道"
    receipt = client.get(response["Location"])
    html = receipt.content.decode()
    assert receipt.status_code == 200 and ticket.number in html and ticket.lookup_code in html
    assert reverse("hotline:mine_detail", args=[ticket.pk]) in html


def test_report_from_a_phone_is_filed_as_mobile(hotline, citizen, login):
    client = login(citizen)
    client.post(reverse("hotline:report"), form(), HTTP_USER_AGENT=IPHONE)
    client.post(reverse("hotline:report") + "?channel=mobile", form())
    client.post(reverse("hotline:report"), form(), HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0; Win64; x64)")
    channels = list(Ticket.objects.order_by("pk").values_list("channel", flat=True))
    assert channels == [Ticket.Channel.MOBILE, Ticket.Channel.MOBILE, Ticket.Channel.SITE]


def test_report_with_coordinates(hotline, citizen, login):
    response = login(citizen).post(reverse("hotline:report"), form(latitude="22.560001", longitude="113.130002"))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (str(ticket.latitude), str(ticket.longitude)) == ("22.560001", "113.130002")


def test_coordinates_outside_the_district_are_refused_on_the_field(hotline, citizen, login):
    response = login(citizen).post(reverse("hotline:report"), form(latitude="30.0", longitude="113.1"))
    assert response.status_code == 400 and "latitude" in response.context["form"].errors
    response = login(citizen).post(reverse("hotline:report"), form(latitude="22.56"))
    assert response.status_code == 400 and "longitude" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_anonymous_report_keeps_no_account_and_is_followed_by_number_and_code(hotline, citizen, login, client):
    me = login(citizen)
    response = me.post(reverse("hotline:report"), form(type="report", anonymous="on", description="有人偷排污水。"))
    ticket = Ticket.objects.get()
    assert ticket.caller is None and ticket.anonymous and ticket.confidential and ticket.caller_name == ""
    receipt = me.get(response["Location"])
    assert receipt.status_code == 200 and ticket.lookup_code in receipt.content.decode()
    assert reverse("hotline:mine_detail", args=[ticket.pk]) not in receipt.content.decode()
    # Not in the account, and nobody else's browser gets the receipt.
    assert list(me.get(reverse("hotline:mine")).context["page"].object_list) == []
    assert me.get(reverse("hotline:mine_detail", args=[ticket.pk])).status_code == 404
    assert client.get(response["Location"]).status_code == 404
    found = client.post(reverse("hotline:track"), {"number": ticket.number, "code": ticket.lookup_code})
    assert found.status_code == 200 and found.context["ticket"] == ticket


def test_filing_needs_sign_in(hotline, client):
    for name in ("hotline:report", "hotline:board_new", "hotline:mine"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "login" in response["Location"]
    client.post(reverse("hotline:report"), form())
    assert not Ticket.objects.exists()


def test_description_of_20000_characters_is_accepted_and_20001_refused(hotline, citizen, login):
    client = login(citizen)
    ok = client.post(reverse("hotline:report"), form(description="长" * 20_000))
    assert ok.status_code == 302 and len(Ticket.objects.get().description) == 20_000
    # A browser sends line ends as CRLF; the textarea counts them as one character, and so do we.
    crlf = client.post(reverse("hotline:report"), form(description="长" * 19_998 + "\r\n" + "长"))
    assert crlf.status_code == 302
    assert Ticket.objects.order_by("-pk").first().description == "长" * 19_998 + "\n" + "长"
    before = Ticket.objects.count()
    refused = client.post(reverse("hotline:report"), form(description="长" * 20_001))
    assert refused.status_code == 400
    errors = refused.context["form"].errors["description"]
    assert errors and "20000" in errors[0] and "20001" in errors[0]
    assert Ticket.objects.count() == before
    # The text comes back for correcting, and the form says what to fix.
    assert "长" * 100 in refused.content.decode() and 'aria-invalid="true"' in refused.content.decode()


def test_emoji_are_kept(hotline, citizen, login):
    text = "路灯坏了😡，晚上黑漆漆🙏🏻，请尽快修！👍"
    login(citizen).post(reverse("hotline:report"), form(title="路灯😡", description=text))
    ticket = Ticket.objects.get()
    assert ticket.description == text and ticket.title == "路灯😡"
    assert text in login(citizen).get(reverse("hotline:mine_detail", args=[ticket.pk])).content.decode()


def test_bad_type_and_missing_description_are_refused_with_field_errors(hotline, citizen, login):
    response = login(citizen).post(reverse("hotline:report"), form(type="gossip", description="   "))
    assert response.status_code == 400
    assert {"type", "description"} <= set(response.context["form"].errors)
    assert not Ticket.objects.exists()


# --- The caller's own tickets ---------------------------------------------------------------------------------


def test_mine_lists_only_my_tickets_and_hides_others(hotline, citizen, login):
    enterprise = User.objects.get(username="enterprise")
    mine = filed(citizen)
    theirs = filed(enterprise)
    client = login(citizen)
    listed = list(client.get(reverse("hotline:mine")).context["page"].object_list)
    assert listed == [mine]
    assert client.get(reverse("hotline:mine_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("hotline:mine_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("hotline:mine_detail", args=[999_999])).status_code == 404


@time_machine.travel(MONDAY, tick=False)
def test_timeline_shows_public_steps_and_never_internal_notes(
    hotline, citizen, login, dispatcher, handler, operator, cgj
):
    scjg = Department.objects.get(code="scjg")
    ticket = filed(citizen)
    services.ticket_dispatch(actor=dispatcher, ticket=ticket, category=leaf("110202"), department=cgj)
    services.ticket_return(actor=handler, ticket=ticket, reason="退单理由-内部-甲")
    services.ticket_return_review(
        actor=dispatcher, ticket=ticket, accept=True, note="改派说明-内部-乙", category=leaf("160101"), department=scjg
    )
    scjg_handler = make_handler("scjg-h", "scjg")
    services.ticket_sign(actor=scjg_handler, ticket=ticket)
    extension = services.extension_request(actor=scjg_handler, ticket=ticket, days=3, reason="延期理由-内部-丙")
    services.extension_decide(actor=dispatcher, extension=extension, approve=True, note="批准意见-内部-丁")
    refused = services.extension_request(actor=scjg_handler, ticket=ticket, days=2, reason="延期理由-内部-戊")
    services.extension_decide(actor=dispatcher, extension=refused, approve=False, note="不批-内部-己")
    services.ticket_reply(actor=scjg_handler, ticket=ticket, reply="答复内容：已处理完毕。")

    response = login(citizen).get(reverse("hotline:mine_detail", args=[ticket.pk]))
    html = response.content.decode()
    for secret in ("内部", handler.real_name, dispatcher.real_name):
        assert secret not in html
    steps = response.context["timeline"]
    kinds = [s.kind for s in steps]
    assert kinds[:3] == [TicketEvent.Kind.REGISTERED, TicketEvent.Kind.DISPATCHED, TicketEvent.Kind.REDISPATCHED]
    assert [s.department for s in steps if s.kind in ("dispatched", "redispatched")] == [cgj.label, scjg.label]
    assert TicketEvent.Kind.RETURNED not in kinds and TicketEvent.Kind.EXTENSION_REFUSED not in kinds
    assert kinds.count("extended") == 1
    extension.refresh_from_db()
    assert extension.state == Extension.State.APPROVED and extension.due_after is not None
    assert str(timezone.localtime(extension.due_after).date()) in html
    assert kinds[-1] == TicketEvent.Kind.REPLIED and "答复内容：已处理完毕。" in html
    assert cgj.name in html and scjg.name in html


# --- Follow-up by number and code ------------------------------------------------------------------------------


def test_track_with_the_right_code_shows_progress_but_nothing_personal(hotline, citizen, client):
    ticket = filed(citizen)
    response = client.post(reverse("hotline:track"), {"number": ticket.number, "code": ticket.lookup_code})
    html = response.content.decode()
    assert response.status_code == 200 and response.context["ticket"] == ticket and ticket.number in html
    assert citizen.real_name not in html and citizen.phone not in html


def test_track_with_a_wrong_code_or_number_gives_one_neutral_answer(hotline, citizen, client):
    ticket = filed(citizen)
    wrong_code = f"{(int(ticket.lookup_code) + 1) % 1_000_000:06d}"
    wrong_number = ticket.number[:-1] + ("1" if ticket.number[-1] != "1" else "2")
    answers = []
    for number, code in ((ticket.number, wrong_code), (wrong_number, ticket.lookup_code), ("junk", "abc")):
        response = client.post(reverse("hotline:track"), {"number": number, "code": code})
        assert response.status_code == 404 and response.context["ticket"] is None
        assert ticket.title not in response.content.decode()
        answers.append(list(response.context["form"].non_field_errors()))
    assert answers[0] == answers[1] == answers[2] and len(answers[0]) == 1


# --- The message board -----------------------------------------------------------------------------------------


def test_board_new_files_a_board_ticket_with_consent_proposed(hotline, citizen, login):
    client = login(citizen)
    page = client.get(reverse("hotline:board_new"))
    assert page.context["form"]["publish_consent"].value() is True
    assert "report" not in dict(page.context["form"].fields["type"].choices)
    response = client.post(reverse("hotline:board_new"), form(type="suggestion", publish_consent="on"))
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and ticket.channel == Ticket.Channel.BOARD and ticket.publish_consent
    refused = client.post(reverse("hotline:board_new"), form(type="report", title=""))
    assert refused.status_code == 400 and {"type", "title"} <= set(refused.context["form"].errors)


def test_board_lists_only_published_messages_and_never_the_caller(
    hotline, citizen, client, dispatcher, handler, operator, cgj
):
    people = {"dispatcher": dispatcher, "handler": handler, "operator": operator, "cgj": cgj}
    published = close_with_reply(filed(citizen, Ticket.Channel.BOARD, publish_consent=True, title="公开留言"), **people)
    private = close_with_reply(filed(citizen, title="不公开的诉求"), **people)
    confidential = close_with_reply(filed(citizen, publish_consent=True, confidential=True, title="保密件"), **people)
    waiting = filed(citizen, Ticket.Channel.BOARD, publish_consent=True, title="还在办理")
    assert published.published_at is not None and private.published_at is None and confidential.published_at is None

    response = client.get(reverse("hotline:board"))
    html = response.content.decode()
    assert list(response.context["page"].object_list) == [published]
    assert "公开留言" in html and "已安排维修" in html and cgj.name in html
    for hidden in (private.title, confidential.title, waiting.title, citizen.real_name, citizen.phone, "138****"):
        assert hidden not in html
    assert published.lookup_code not in html and published.number not in html


def test_board_search_and_paging(hotline, citizen, client, dispatcher, handler, operator, cgj):
    people = {"dispatcher": dispatcher, "handler": handler, "operator": operator, "cgj": cgj}
    for n in range(11):
        title = "噪音扰民" if n == 0 else f"路灯问题{n}"
        close_with_reply(filed(citizen, Ticket.Channel.BOARD, publish_consent=True, title=title), **people)
    first = client.get(reverse("hotline:board"))
    assert len(first.context["page"].object_list) == 10 and first.context["page"].has_next()
    assert len(client.get(reverse("hotline:board"), {"page": 2}).context["page"].object_list) == 1
    found = client.get(reverse("hotline:board"), {"q": "噪音"})
    assert [t.title for t in found.context["page"].object_list] == ["噪音扰民"]
    assert client.get(reverse("hotline:board"), {"q": "没有这个词"}).context["page"].paginator.count == 0


def test_board_and_my_list_read_a_page_in_constant_queries(
    hotline, citizen, client, login, dispatcher, handler, operator, cgj
):
    people = {"dispatcher": dispatcher, "handler": handler, "operator": operator, "cgj": cgj}
    me = login(citizen)
    me.get(reverse("hotline:mine"))
    counts = []
    for _round in range(2):
        close_with_reply(filed(citizen, Ticket.Channel.BOARD, publish_consent=True), **people)
        filed(citizen)
        with CaptureQueriesContext(connection) as board:
            client.get(reverse("hotline:board"))
        with CaptureQueriesContext(connection) as mine:
            me.get(reverse("hotline:mine"))
        counts.append((len(board), len(mine)))
    assert counts[0] == counts[1]


def test_markup_in_text_is_escaped_everywhere(hotline, citizen, login, client, dispatcher, handler, operator, cgj):
    people = {"dispatcher": dispatcher, "handler": handler, "operator": operator, "cgj": cgj}
    markup = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    ticket = close_with_reply(
        filed(citizen, Ticket.Channel.BOARD, publish_consent=True, title="<b>标题</b>", description=markup), **people
    )
    pages = [
        client.get(reverse("hotline:board")),
        login(citizen).get(reverse("hotline:mine_detail", args=[ticket.pk])),
        client.post(reverse("hotline:track"), {"number": ticket.number, "code": ticket.lookup_code}),
    ]
    for response in pages[:2]:
        html = response.content.decode()
        assert '<script>alert("x")' not in html and "<img src=x" not in html and "<b>标题</b>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;b&gt;标题&lt;/b&gt;" in pages[2].content.decode()


# --- Every page in both languages and in elder mode -----------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("elder", [False, True])
def test_pages_render_in_both_languages_and_elder_mode(hotline, citizen, login, language, elder):
    User.objects.filter(pk=citizen.pk).update(elder_mode=elder)
    ticket = filed(citizen)
    client = login(citizen)
    client.cookies["django_language"] = language
    urls = [
        reverse("hotline:report"),
        reverse("hotline:board"),
        reverse("hotline:board_new"),
        reverse("hotline:track"),
        reverse("hotline:mine"),
        reverse("hotline:mine_detail", args=[ticket.pk]),
    ]
    for url in urls:
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert ('lang="zh-Hans"' if language == "zh-hans" else 'lang="en"') in html
        assert ('<body class="elder"' in html) is elder
        assert 'name="viewport"' in html
