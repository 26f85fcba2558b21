"""The hotline's staff pages: the call console, the queues and the ticket page with its actions,
for each persona; refusals (403, 404, field errors, conflicts); escaping and the hidden caller.

Pages are in Chinese by default: assertions use ids, data attributes, statuses and the database,
never English text."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.urls import reverse

from dgov.accounts.models import Department, User
from dgov.hotline import services
from dgov.hotline.models import Article, Assignment, Callback, Extension, Ticket
from dgov.hotline.tests.conftest import call, leaf, make_handler
from dgov.ratings.models import Rating

pytestmark = pytest.mark.django_db
S = Ticket.Status
STREET_LIGHT = "110202"


# --- Helpers ---------------------------------------------------------------------------------------


@pytest.fixture
def leader(jianghai: None) -> User:
    return User.objects.get(username="leader")


@pytest.fixture
def zjj_handler(jianghai: None) -> User:
    """A ticket handler of 住建局 (zjj), for assisting-department tests."""
    return make_handler("zjj-handler", "zjj")


def dispatched(
    operator: User, department: Department, *, assist: tuple[Department, ...] = (), **changes: Any
) -> Ticket:
    ticket = call(operator, **changes)
    return services.ticket_dispatch(
        actor=operator, ticket=ticket, category=leaf(STREET_LIGHT), department=department, assist=assist
    )


def handling(operator: User, handler: User, cgj: Department, **changes: Any) -> Ticket:
    ticket = dispatched(operator, cgj, **changes)
    services.ticket_sign(actor=handler, ticket=ticket)
    ticket.refresh_from_db()
    return ticket


def replied(operator: User, handler: User, cgj: Department, **changes: Any) -> Ticket:
    ticket = handling(operator, handler, cgj, **changes)
    services.ticket_reply(actor=handler, ticket=ticket, reply="已更换灯泡，恢复照明。")
    ticket.refresh_from_db()
    return ticket


def levels(response: Any) -> list[int]:
    return [m.level for m in get_messages(response.wsgi_request)]


def url(name: str, ticket: Ticket, *args: Any) -> str:
    return reverse(f"hotline:{name}", args=[ticket.pk, *args])


def published_article(dispatcher: User, cgj: Department) -> Article:
    return services.article_save(
        actor=dispatcher,
        title="路灯不亮找谁报修？",
        answer="路灯由区城市管理和综合执法局养护，可拨打12345登记，一般3个工作日内修复。",
        department=cgj,
        category=leaf(STREET_LIGHT),
        keywords="路灯 不亮 报修",
        publish=True,
    )


# --- Who sees which page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "queue", "console"),
    [
        ("operator", 200, 200),
        ("dispatcher", 200, 403),
        ("handler", 200, 403),
        ("leader", 200, 403),
        ("citizen", 403, 403),
    ],
)
def test_queue_and_console_per_role(hotline, login, persona, queue, console):
    client = login(User.objects.get(username=persona))
    assert client.get(reverse("hotline:queue")).status_code == queue
    assert client.get(reverse("hotline:call")).status_code == console
    assert client.post(reverse("hotline:call_suggest"), {"description": "路灯不亮"}).status_code == console


@pytest.mark.parametrize(
    ("persona", "status"),
    [("operator", 200), ("dispatcher", 200), ("handler", 200), ("leader", 200), ("citizen", 403)],
)
def test_ticket_page_per_role(hotline, login, operator, cgj, persona, status):
    ticket = dispatched(operator, cgj)
    response = login(User.objects.get(username=persona)).get(url("ticket", ticket))
    assert response.status_code == status


def test_other_departments_handler_gets_404(hotline, login, operator, cgj, outsider_handler):
    ticket = dispatched(operator, cgj)
    client = login(outsider_handler)
    assert client.get(url("ticket", ticket)).status_code == 404
    assert client.post(url("ticket_sign", ticket)).status_code == 404
    assert client.get(reverse("hotline:queue")).content.count(ticket.number.encode()) == 0


def test_anonymous_visitor_is_sent_to_sign_in(hotline, client, operator, cgj):
    ticket = dispatched(operator, cgj)
    for path in (reverse("hotline:queue"), reverse("hotline:call"), url("ticket", ticket)):
        response = client.get(path)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_leader_reads_but_has_no_actions(hotline, login, operator, leader, cgj):
    ticket = dispatched(operator, cgj)
    client = login(leader)
    response = client.get(url("ticket", ticket))
    assert response.status_code == 200 and response.context["read_only"]
    assert b"data-read-only" in response.content and b"data-action-card" not in response.content
    assert client.post(url("ticket_sign", ticket)).status_code == 403
    full = {"dispatch-category": STREET_LIGHT, "dispatch-department": cgj.pk}
    assert client.post(url("ticket_dispatch", call(operator)), full).status_code == 403


def test_workbench_links_to_the_tickets(hotline, login, operator, handler, citizen):
    for user in (operator, handler):
        response = login(user).get(reverse("accounts:workbench"))
        assert reverse("hotline:queue").encode() in response.content


# --- Queues ----------------------------------------------------------------------------------------


def test_centre_tabs_and_filters(hotline, login, operator, dispatcher, cgj):
    waiting = call(operator)
    sent = dispatched(operator, cgj, description="东海路的路灯一直闪烁，晚上看不清路。")
    client = login(dispatcher)
    rows = client.get(reverse("hotline:queue"), {"status": S.REGISTERED}).context["rows"]
    assert [r["ticket"].pk for r in rows] == [waiting.pk]
    response = client.get(reverse("hotline:queue"), {"department": cgj.pk})
    assert [r["ticket"].pk for r in response.context["rows"]] == [sent.pk]
    assert [t for t in response.context["tabs"] if t["current"]] == []
    current = [
        t for t in client.get(reverse("hotline:queue"), {"status": S.REGISTERED}).context["tabs"] if t["current"]
    ]
    assert len(current) == 1 and "status=registered" in current[0]["url"]
    assert [r["ticket"].pk for r in client.get(reverse("hotline:queue"), {"category": "110000"}).context["rows"]] == [
        sent.pk
    ]


def test_overdue_filter_and_deadline_flags(hotline, login, operator, dispatcher, handler, cgj):
    ticket = handling(operator, handler, cgj)
    later = ticket.due_at + timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        response = login(dispatcher).get(reverse("hotline:queue"), {"department": cgj.pk, "deadline": "overdue"})
        rows = response.context["rows"]
        assert [r["ticket"].pk for r in rows] == [ticket.pk] and rows[0]["flags"]["reply"] == "overdue"
        assert b'data-flag="overdue"' in response.content
        late = login(handler).get(reverse("hotline:queue"), {"tab": "late"})
        assert [r["ticket"].pk for r in late.context["rows"]] == [ticket.pk]


def test_extension_tab_lists_pending_requests(hotline, login, operator, dispatcher, handler, cgj):
    ticket = handling(operator, handler, cgj)
    services.extension_request(actor=handler, ticket=ticket, days=3, reason="需协调供电部门")
    handling(operator, handler, cgj, description="另一条路的路灯也坏了，很久没人修。")
    rows = login(dispatcher).get(reverse("hotline:queue"), {"extension": "pending"}).context["rows"]
    assert [r["ticket"].pk for r in rows] == [ticket.pk]


def test_department_queue_to_sign_and_in_handling(hotline, login, operator, handler, cgj):
    to_sign = dispatched(operator, cgj)
    signed = handling(operator, handler, cgj, description="江海二路的路灯整排不亮。")
    client = login(handler)
    response = client.get(reverse("hotline:queue"))
    assert response.context["tab"] == "sign"
    assert [r["ticket"].pk for r in response.context["rows"]] == [to_sign.pk]
    rows = client.get(reverse("hotline:queue"), {"tab": "handling"}).context["rows"]
    assert [r["ticket"].pk for r in rows] == [signed.pk]
    everything = client.get(reverse("hotline:queue"), {"tab": "all"})
    assert everything.context["tab"] == "" and {r["ticket"].pk for r in everything.context["rows"]} == {
        to_sign.pk,
        signed.pk,
    }
    assert [t["current"] for t in everything.context["tabs"]] == [False, False, False, True]


def test_queue_pages_and_query_count(hotline, login, operator, dispatcher, cgj, django_assert_max_num_queries):
    for n in range(30):
        call(operator, description=f"第{n}号：路灯不亮，请派人维修。", address="")
    client = login(dispatcher)
    client.get(reverse("hotline:queue"))  # warm the session and caches
    with django_assert_max_num_queries(20):
        first = client.get(reverse("hotline:queue"))
    assert len(first.context["rows"]) == 25 and first.context["page"].has_next()
    assert len(client.get(reverse("hotline:queue"), {"page": 2}).context["rows"]) == 5


# --- The call console ------------------------------------------------------------------------------


def console_post(**changes: Any) -> dict[str, Any]:
    return {
        "type": Ticket.Type.HELP,
        "urgency": Ticket.Urgency.NORMAL,
        "description": "江海一路与东海路交界那几盏路灯晚上都不亮，走路很危险。",
        "caller_name": "陈伯文",
        "caller_phone": "13800000001",
        "address": "外海街道江海一路88号",
        **changes,
    }


def test_console_registers_and_shows_number_and_code(hotline, login, operator):
    client = login(operator)
    page = client.get(reverse("hotline:call")).content.decode()
    # The picker lists leaf categories grouped by their parent, each with its search words.
    assert page.count("<optgroup") >= 10 and 'value="110202" data-search="110202 路灯故障' in page
    assert 'value="110200"' not in page
    response = client.post(reverse("hotline:call"), console_post())
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("hotline:call_done", args=[ticket.pk])
    assert ticket.status == S.REGISTERED and ticket.channel == Ticket.Channel.PHONE and ticket.created_by == operator
    done = client.get(response["Location"])
    assert ticket.number in done.content.decode() and f">{ticket.lookup_code}<" in done.content.decode()
    # Another operator's session never shows the code.
    other = login(operator)
    assert b"data-lookup-code" not in other.get(response["Location"]).content


def test_console_dispatches_with_assisting_departments(hotline, login, operator, cgj):
    zjj = Department.objects.get(code="zjj")
    data = console_post(category=STREET_LIGHT, department=cgj.pk, assist=[zjj.pk])
    assert login(operator).post(reverse("hotline:call"), data).status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.status == S.DISPATCHED and ticket.department == cgj and ticket.category.code == STREET_LIGHT
    roles = set(ticket.assignments.values_list("department__code", "role"))
    assert roles == {("cgj", Assignment.Role.LEAD), ("zjj", Assignment.Role.ASSIST)}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"caller_phone": "12345"}, "caller_phone"),
        ({"description": ""}, "description"),
        ({"department": "__cgj__"}, "category"),
        ({"latitude": "30.0", "longitude": "113.1"}, "latitude"),
    ],
)
def test_console_refusals_show_errors_next_to_fields(hotline, login, operator, cgj, changes, field):
    if changes.get("department") == "__cgj__":
        changes["department"] = cgj.pk
    response = login(operator).post(reverse("hotline:call"), console_post(**changes))
    assert response.status_code == 400 and Ticket.objects.count() == 0
    assert f'data-error="{field}"'.encode() in response.content
    assert message_levels.ERROR in levels(response)


def test_console_answered_on_the_call(hotline, login, operator, dispatcher, cgj):
    article = published_article(dispatcher, cgj)
    client = login(operator)
    data = console_post(type=Ticket.Type.CONSULT, description="路灯不亮应该找哪个部门报修？", answered_from=article.pk)
    assert client.post(reverse("hotline:call"), data).status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.status == S.CLOSED and ticket.resolution == Ticket.Resolution.FIRST_CONTACT
    assert ticket.answered_from == article


def test_console_answer_on_the_call_only_for_enquiries(hotline, login, operator, dispatcher, cgj):
    article = published_article(dispatcher, cgj)
    response = login(operator).post(reverse("hotline:call"), console_post(answered_from=article.pk))
    assert response.status_code == 400 and Ticket.objects.count() == 0


def test_suggest_shows_articles_duplicates_and_the_catalogue_department(hotline, login, operator, dispatcher, cgj):
    published_article(dispatcher, cgj)
    earlier = dispatched(operator, cgj)
    data = console_post(type=Ticket.Type.CONSULT, category=STREET_LIGHT)
    response = login(operator).post(reverse("hotline:call_suggest"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "data-article=" in body and 'name="answered_from"' in body
    assert f'data-duplicate="{earlier.pk}"' in body
    assert response.context["chosen"]["department"] == cgj
    assert 'hx-swap-oob="innerHTML"' in body


def test_suggest_with_a_trained_model(hotline, login, operator):
    from dgov.hotline import classifier

    texts = {
        STREET_LIGHT: ["路灯不亮", "路灯晚上都不亮很危险", "这条路的路灯坏了", "路灯一直闪烁", "路灯故障没有照明"],
        "110101": ["垃圾桶满了没人清运", "垃圾好几天没收很臭", "小区垃圾堆满", "垃圾清运不及时", "垃圾站很臭"],
        "150101": ["老板拖欠工资", "工地包工头欠薪", "三个月工资没发", "讨薪无门", "公司克扣工资"],
    }
    samples = [classifier.Sample(text=t, category=code) for code, rows in texts.items() for t in rows * 2]
    model = classifier.model_save(classifier.train(samples), actor=None, source="test")
    response = login(operator).post(reverse("hotline:call_suggest"), console_post())
    suggestions = response.context["suggestions"]
    assert suggestions and suggestions[0]["category"].code == STREET_LIGHT
    assert suggestions[0]["department"] == Department.objects.get(code="cgj")
    assert response.context["classifier_version"] == model.version
    assert f'data-use-category="{STREET_LIGHT}"'.encode() in response.content


# --- Actions: one happy path and one refusal each ---------------------------------------------------


def test_dispatch_from_the_page(hotline, login, operator, dispatcher, cgj):
    ticket = call(operator)
    client = login(dispatcher)
    page = client.get(url("ticket", ticket))
    assert b'data-action-card="dispatch"' in page.content
    response = client.post(
        url("ticket_dispatch", ticket), {"dispatch-category": STREET_LIGHT, "dispatch-department": cgj.pk}
    )
    assert response.status_code == 302 and message_levels.SUCCESS in levels(response)
    ticket.refresh_from_db()
    assert ticket.status == S.DISPATCHED and ticket.department == cgj


def test_dispatch_refusals(hotline, login, operator, dispatcher, handler, cgj):
    ticket = call(operator)
    response = login(dispatcher).post(url("ticket_dispatch", ticket), {"dispatch-category": "110200"})
    assert response.status_code == 400 and b'data-error="category"' in response.content
    assert b'data-error="department"' in response.content
    sent = dispatched(operator, cgj, description="又一处路灯不亮，江海三路。")
    full = {"dispatch-category": STREET_LIGHT, "dispatch-department": cgj.pk}
    assert login(handler).post(url("ticket_dispatch", sent), full).status_code == 403
    # Dispatching an already dispatched ticket is a conflict: a message, back to the page.
    again = login(dispatcher).post(
        url("ticket_dispatch", sent), {"dispatch-category": STREET_LIGHT, "dispatch-department": cgj.pk}
    )
    assert again.status_code == 302 and message_levels.ERROR in levels(again)


def test_merge_into_a_duplicate(hotline, login, operator, dispatcher):
    first = call(operator)
    second = call(operator, caller_name="李四", caller_phone="13800000002")
    client = login(dispatcher)
    page = client.get(url("ticket", second))
    assert [d.ticket.pk for d in page.context["duplicates"]] == [first.pk]
    response = client.post(url("ticket_merge", second), {"merge-into": first.pk})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == S.MERGED and second.merged_into == first
    refused = client.post(url("ticket_merge", first), {"merge-into": first.pk})
    assert refused.status_code in (302, 400)
    first.refresh_from_db()
    assert first.status == S.REGISTERED


def test_sign_for_and_conflict_on_second_sign(hotline, login, operator, handler, cgj):
    ticket = dispatched(operator, cgj)
    client = login(handler)
    assert b'data-action-card="sign"' in client.get(url("ticket", ticket)).content
    response = client.post(url("ticket_sign", ticket), {"sign-department": cgj.pk})
    assert response.status_code == 302 and message_levels.SUCCESS in levels(response)
    ticket.refresh_from_db()
    assert ticket.status == S.HANDLING
    again = client.post(url("ticket_sign", ticket), {"sign-department": cgj.pk})
    assert again.status_code == 302 and message_levels.ERROR in levels(again)


def test_return_and_its_review(hotline, login, operator, dispatcher, handler, cgj):
    ticket = dispatched(operator, cgj)
    client = login(handler)
    refused = client.post(url("ticket_return", ticket), {"return-reason": "  "})
    assert refused.status_code == 400 and b'data-error="reason"' in refused.content
    assert client.post(url("ticket_return", ticket), {"return-reason": "该路段路灯由供电部门养护"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == S.RETURNED
    centre = login(dispatcher)
    assert b'data-action-card="review"' in centre.get(url("ticket", ticket)).content
    no_reason = centre.post(url("ticket_return_review", ticket), {"review-decision": "refuse"})
    assert no_reason.status_code == 400 and b'data-error="note"' in no_reason.content
    power = Department.objects.get(code="power")
    accepted = centre.post(
        url("ticket_return_review", ticket), {"review-decision": "accept", "review-department": power.pk}
    )
    assert accepted.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == S.DISPATCHED and ticket.department == power


def test_return_refused_sends_it_back(hotline, login, operator, dispatcher, handler, cgj):
    ticket = dispatched(operator, cgj)
    services.ticket_return(actor=handler, ticket=ticket, reason="不归我们管")
    response = login(dispatcher).post(
        url("ticket_return_review", ticket), {"review-decision": "refuse", "review-note": "路灯属城管养护"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == S.DISPATCHED and ticket.department == cgj


def test_extension_request_and_decision(hotline, login, operator, dispatcher, handler, cgj):
    ticket = handling(operator, handler, cgj)
    client = login(handler)
    bad = client.post(url("extension_request", ticket), {"extension-days": 0, "extension-reason": "需要时间"})
    assert bad.status_code == 400 and b'data-error="days"' in bad.content
    ok = client.post(url("extension_request", ticket), {"extension-days": 3, "extension-reason": "需协调供电部门"})
    assert ok.status_code == 302
    extension = Extension.objects.get(ticket=ticket)
    centre = login(dispatcher)
    assert b'data-action-card="decide"' in centre.get(url("ticket", ticket)).content
    decide = url("extension_decide", ticket, extension.pk)
    no_note = centre.post(decide, {"decide-decision": "refuse"})
    assert no_note.status_code == 400 and b'data-error="note"' in no_note.content
    assert centre.post(decide, {"decide-decision": "approve"}).status_code == 302
    extension.refresh_from_db()
    ticket_due = Ticket.objects.get(pk=ticket.pk).due_at
    assert extension.state == Extension.State.APPROVED and ticket_due == extension.due_after
    # The handler cannot decide; the decided request is a conflict for the dispatcher.
    assert client.post(decide, {"decide-decision": "approve"}).status_code == 403
    twice = centre.post(decide, {"decide-decision": "approve"})
    assert twice.status_code in (302, 400)


def test_assisting_department_replies_its_part(hotline, login, operator, handler, zjj_handler, cgj):
    zjj = Department.objects.get(code="zjj")
    ticket = dispatched(operator, cgj, assist=(zjj,))
    helper = login(zjj_handler)
    assert helper.post(url("ticket_sign", ticket), {"sign-department": zjj.pk}).status_code == 302
    assert b'data-action-card="assist"' in helper.get(url("ticket", ticket)).content
    assert b'data-action-card="reply"' not in helper.get(url("ticket", ticket)).content
    response = helper.post(url("ticket_assist_reply", ticket), {"assist-reply": "已核实线路无故障。"})
    assert response.status_code == 302
    part = Assignment.objects.get(ticket=ticket, department=zjj)
    assert part.state == Assignment.State.REPLIED and part.reply == "已核实线路无故障。"
    # The lead department's handler has no assisting part to answer.
    lead = login(handler).post(url("ticket_assist_reply", ticket), {"assist-reply": "我们不是协办"})
    assert lead.status_code == 403


def test_reply_and_refusals(hotline, login, operator, handler, cgj):
    ticket = dispatched(operator, cgj)
    client = login(handler)
    early = client.post(url("ticket_reply", ticket), {"reply-reply": "已修复。"})
    assert early.status_code == 302 and message_levels.ERROR in levels(early)
    services.ticket_sign(actor=handler, ticket=ticket)
    empty = client.post(url("ticket_reply", ticket), {"reply-reply": ""})
    assert empty.status_code == 400 and b'data-error="reply"' in empty.content
    assert client.post(url("ticket_reply", ticket), {"reply-reply": "已更换灯泡。"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == S.REPLIED and ticket.reply == "已更换灯泡。"


def test_callback_with_a_rating_closes_the_ticket(hotline, login, operator, handler, cgj):
    ticket = replied(operator, handler, cgj)
    client = login(operator)
    page = client.get(url("ticket", ticket))
    assert b'data-action-card="callback"' in page.content and "😀".encode() in page.content
    response = client.post(
        url("ticket_callback", ticket),
        {"callback-outcome": "solved", "callback-level": 5, "callback-dimension_efficiency": 4},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED and ticket.resolution == Ticket.Resolution.CALLBACK
    rating = Rating.objects.get(rated_id=ticket.pk)
    assert rating.level == 5 and rating.dimensions["efficiency"] == 4


def test_callback_refusals(hotline, login, operator, handler, cgj):
    ticket = replied(operator, handler, cgj)
    client = login(operator)
    reopen_solved = client.post(url("ticket_callback", ticket), {"callback-outcome": "solved", "callback-reopen": "on"})
    assert reopen_solved.status_code == 400
    bad = client.post(url("ticket_callback", ticket), {"callback-outcome": "unsolved", "callback-level": 1})
    assert bad.status_code == 400 and b'data-error="comment"' in bad.content
    assert Callback.objects.count() == 0 and Rating.objects.count() == 0
    assert login(handler).post(url("ticket_callback", ticket), {"callback-outcome": "solved"}).status_code == 403
    reopened = client.post(
        url("ticket_callback", ticket),
        {
            "callback-outcome": "unsolved",
            "callback-level": 2,
            "callback-comment": "灯还是不亮",
            "callback-reopen": "on",
        },
    )
    assert reopened.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == S.DISPATCHED and ticket.reopened == 1


def test_close_without_callback_only_when_nobody_to_call(hotline, login, operator, handler, cgj):
    reachable = replied(operator, handler, cgj)
    client = login(operator)
    refused = client.post(url("ticket_close", reachable), {"close-note": "无法联系"})
    assert refused.status_code == 400
    anonymous = replied(operator, handler, cgj, anonymous=True, description="匿名反映：东海路路灯坏了很久。")
    page = client.get(url("ticket", anonymous))
    assert b'data-action-card="close"' in page.content and b'data-action-card="callback"' not in page.content
    assert client.post(url("ticket_close", anonymous), {"close-note": "匿名来电，无法回访"}).status_code == 302
    anonymous.refresh_from_db()
    assert anonymous.status == S.CLOSED and anonymous.resolution == Ticket.Resolution.NO_CALLBACK


# --- What the pages show ---------------------------------------------------------------------------


def test_markup_in_user_text_is_escaped_and_long_text_renders(hotline, login, operator, handler, cgj):
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    ticket = handling(operator, handler, cgj, description=script + "路灯坏了" + "很" * 19_900)
    services.ticket_reply(actor=handler, ticket=ticket, reply="<b>已修复</b><script>alert(2)</script>")
    for user in (operator, handler):
        body = login(user).get(url("ticket", ticket)).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body and "<b>已修复" not in body
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
        assert "很" * 19_900 in body
    queue = login(operator).get(reverse("hotline:queue")).content.decode()
    assert "<script>alert" not in queue


def test_confidential_caller_hidden_from_the_handler(hotline, login, operator, handler, cgj):
    ticket = dispatched(operator, cgj, confidential=True)
    handler_page = login(handler).get(url("ticket", ticket))
    assert handler_page.context["caller"]["hidden"] == "confidential"
    body = handler_page.content.decode()
    assert "陈伯文" not in body and "陈*" not in body and "****0001" not in body and "13800000001" not in body
    operator_page = login(operator).get(url("ticket", ticket)).content.decode()
    assert "138****0001" in operator_page and "13800000001" not in operator_page and "陈伯文" not in operator_page


def test_suggested_and_final_category_shown(hotline, login, operator, dispatcher, cgj):
    ticket = dispatched(operator, cgj)
    response = login(dispatcher).get(url("ticket", ticket))
    assert response.status_code == 200 and STREET_LIGHT in response.content.decode()
    kinds = [e.kind for e in response.context["events"]]
    assert kinds[0] == "registered" and kinds[-1] == "dispatched"
