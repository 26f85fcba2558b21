"""The hotline's selectors, called directly: which actions each persona may take on a ticket in
each status, what the public may read (Open311, the message board, the public timeline), and the
console's reads. The pages that call them are tested in test_staff_pages, test_public_pages,
test_console and test_open311."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.http import Http404
from django.utils import timezone

from dgov.accounts.models import Department, User
from dgov.core.workdays import CALENDAR_TZ
from dgov.hotline import selectors, services
from dgov.hotline.models import Assignment, Ticket, TicketEvent
from dgov.hotline.tests.conftest import call, leaf, make_handler

pytestmark = pytest.mark.django_db
S = Ticket.Status
STREET_LIGHT = "110202"
MONDAY = datetime(2026, 3, 9, 10, 0, tzinfo=CALENDAR_TZ)


@pytest.fixture(autouse=True)
def no_auto_dispatch(settings: Any) -> None:
    """Every ticket waits for a person, whatever a trained classifier would say."""
    settings.DGOV_HOTLINE_AUTO_DISPATCH_THRESHOLD = 2


@pytest.fixture
def leader(jianghai: None) -> User:
    return User.objects.get(username="leader")


@pytest.fixture
def people(operator: User, dispatcher: User, handler: User, outsider_handler: User, leader: User) -> dict[str, User]:
    return {
        "operator": operator,
        "dispatcher": dispatcher,
        "handler": handler,
        "outsider": outsider_handler,
        "leader": leader,
    }


def dispatched(operator: User, cgj: Department, **changes: Any) -> Ticket:
    return services.ticket_dispatch(
        actor=operator, ticket=call(operator, **changes), category=leaf(STREET_LIGHT), department=cgj
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


def names(people: dict[str, User], ticket: Ticket) -> dict[str, set[str]]:
    return {who: set(selectors.ticket_actions_for_user(user, ticket).names) for who, user in people.items()}


# --- ticket_actions_for_user -----------------------------------------------------------------------------


def test_actions_on_a_registered_ticket(hotline: None, people: dict[str, User]) -> None:
    ticket = call(people["operator"])
    assert names(people, ticket) == {
        "operator": {"dispatch"},
        "dispatcher": {"dispatch"},
        "handler": set(),
        "outsider": set(),
        "leader": set(),
    }


def test_actions_on_a_dispatched_ticket(hotline: None, people: dict[str, User], cgj: Department) -> None:
    ticket = dispatched(people["operator"], cgj)
    assert names(people, ticket) == {
        "operator": set(),
        "dispatcher": set(),
        "handler": {"sign", "return"},
        "outsider": set(),
        "leader": set(),
    }
    actions = selectors.ticket_actions_for_user(people["handler"], ticket)
    assert actions.allowed["sign"] == [cgj]
    assert [a.department for a in actions.assignments] == [cgj] and actions.pending is None


def test_actions_while_handling_and_with_an_extension_pending(
    hotline: None, people: dict[str, User], cgj: Department
) -> None:
    ticket = handling(people["operator"], people["handler"], cgj)
    assert names(people, ticket)["handler"] == {"return", "extension", "reply"}
    assert names(people, ticket)["outsider"] == set() and names(people, ticket)["dispatcher"] == set()
    extension = services.extension_request(actor=people["handler"], ticket=ticket, days=3, reason="需协调供电部门")
    after = names(people, ticket)
    assert after["handler"] == {"return", "reply"}
    assert after["dispatcher"] == {"decide"}
    assert after["operator"] == after["outsider"] == after["leader"] == set()
    assert selectors.ticket_actions_for_user(people["dispatcher"], ticket).pending == extension


def test_no_extension_after_the_reply_deadline(hotline: None, people: dict[str, User], cgj: Department) -> None:
    ticket = handling(people["operator"], people["handler"], cgj)
    assert ticket.due_at is not None
    with time_machine.travel(ticket.due_at + timedelta(hours=1), tick=False):
        assert names(people, ticket)["handler"] == {"return", "reply"}


def test_actions_on_a_returned_ticket(hotline: None, people: dict[str, User], cgj: Department) -> None:
    ticket = dispatched(people["operator"], cgj)
    services.ticket_return(actor=people["handler"], ticket=ticket, reason="属于物业管理范围。")
    ticket.refresh_from_db()
    assert names(people, ticket) == {
        "operator": set(),
        "dispatcher": {"review"},
        "handler": set(),
        "outsider": set(),
        "leader": set(),
    }


def test_a_replied_ticket_is_called_back_or_without_contact_closed(
    hotline: None, people: dict[str, User], cgj: Department
) -> None:
    with_contact = replied(people["operator"], people["handler"], cgj)
    assert names(people, with_contact) == {
        "operator": {"callback"},
        "dispatcher": set(),
        "handler": set(),
        "outsider": set(),
        "leader": set(),
    }
    anonymous = replied(
        people["operator"],
        people["handler"],
        cgj,
        anonymous=True,
        address="江海三路12号",
        description="匿名反映路灯不亮。",
    )
    assert names(people, anonymous)["operator"] == {"close"}


def test_assisting_department_signs_then_sends_its_part(
    hotline: None, people: dict[str, User], operator: User, cgj: Department
) -> None:
    zjj = Department.objects.get(code="zjj")
    zjj_handler = make_handler("zjj-handler", "zjj")
    ticket = services.ticket_dispatch(
        actor=operator, ticket=call(operator), category=leaf(STREET_LIGHT), department=cgj, assist=[zjj]
    )
    actions = selectors.ticket_actions_for_user(zjj_handler, ticket)
    assert actions.names == {"sign"} and actions.allowed["sign"] == [zjj]
    services.ticket_sign(actor=zjj_handler, ticket=ticket)
    ticket.refresh_from_db()
    assert selectors.ticket_actions_for_user(zjj_handler, ticket).names == {"assist"}
    assert names(people, ticket)["handler"] == {"sign", "return"}


def test_merge_only_with_a_look_alike_and_only_for_dispatchers(hotline: None, people: dict[str, User]) -> None:
    first = call(people["operator"])
    assert "merge" not in selectors.ticket_actions_for_user(people["dispatcher"], first).names
    second = call(people["operator"], caller_name="李四", caller_phone="13800000002")
    actions = selectors.ticket_actions_for_user(people["dispatcher"], second)
    assert "merge" in actions.names and [d.ticket for d in actions.duplicates] == [first]
    for who in ("handler", "outsider", "leader"):
        other = selectors.ticket_actions_for_user(people[who], second)
        assert "merge" not in other.names and other.duplicates == []


# --- Lists for staff ------------------------------------------------------------------------------------------


def test_extension_pending_filter(
    hotline: None, operator: User, dispatcher: User, handler: User, cgj: Department
) -> None:
    waiting = handling(operator, handler, cgj)
    services.extension_request(actor=handler, ticket=waiting, days=3, reason="需协调供电部门")
    handling(operator, handler, cgj, description="另一条路的路灯也坏了，很久没人修。", address="江海三路1号")
    assert list(selectors.ticket_list_for_user(user=dispatcher, extension_pending=True)) == [waiting]
    assert selectors.ticket_list_for_user(user=dispatcher).count() == 2


def test_department_queue_by_state_and_overdue(
    hotline: None, operator: User, handler: User, outsider_handler: User, cgj: Department
) -> None:
    to_sign = dispatched(operator, cgj)
    signed = handling(operator, handler, cgj, description="江海二路的路灯整排不亮。", address="江海二路2号")
    queue = selectors.department_queue
    assert [a.ticket for a in queue(user=handler, department=cgj, state=Assignment.State.DISPATCHED)] == [to_sign]
    assert [a.ticket for a in queue(user=handler, department=cgj, state=Assignment.State.SIGNED)] == [signed]
    assert queue(user=handler, department=cgj, overdue=True).count() == 0
    assert signed.due_at is not None
    later = signed.due_at + timedelta(hours=1)
    late = queue(user=handler, department=cgj, overdue=True, now=later)
    assert signed in [a.ticket for a in late]
    with pytest.raises(Http404):
        queue(user=outsider_handler, department=cgj)


# --- What the public reads -------------------------------------------------------------------------------------


def test_ticket_list_public_never_returns_confidential_anonymous_or_report_tickets(
    hotline: None, operator: User
) -> None:
    now = timezone.now()

    def made(n: int, **fields: Any) -> Ticket:
        ticket = call(operator, address=f"江海{n}路{n}号", description=f"第{n}条：路灯晚上不亮，请维修。")
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
        return ticket

    open311 = made(1, channel=Ticket.Channel.OPEN311)
    published = made(2, published_at=now)
    made(3)  # neither filed through Open311 nor published
    # Stray states the services never produce: the read refuses them anyway.
    made(4, published_at=now, confidential=True)
    made(5, channel=Ticket.Channel.OPEN311, confidential=True)
    made(6, published_at=now, anonymous=True)
    made(7, channel=Ticket.Channel.OPEN311, anonymous=True)
    made(8, published_at=now, type=Ticket.Type.REPORT)
    made(9, channel=Ticket.Channel.OPEN311, type=Ticket.Type.REPORT)
    assert set(selectors.ticket_list_public()) == {open311, published}
    assert list(selectors.ticket_list_public(numbers=[published.number])) == [published]
    assert list(selectors.ticket_list_public(finished=True)) == []
    assert set(
        selectors.ticket_list_public(finished=False, start=now - timedelta(hours=1), end=now + timedelta(hours=1))
    ) == {
        open311,
        published,
    }
    assert list(selectors.ticket_list_public(category_codes=[STREET_LIGHT])) == []


def test_board_shows_published_tickets_only_and_searches_them(hotline: None, operator: User) -> None:
    now = timezone.now()
    shown = call(operator, address="江海一路1号", title="东海路路灯")
    Ticket.objects.filter(pk=shown.pk).update(published_at=now)
    for n, fields in enumerate(({}, {"confidential": True}, {"anonymous": True}, {"type": Ticket.Type.REPORT})):
        hidden = call(operator, address=f"江海{n + 2}路", description=f"第{n}条：路灯晚上不亮，请维修。")
        Ticket.objects.filter(pk=hidden.pk).update(published_at=now if fields else None, **fields)
    assert list(selectors.ticket_list_board()) == [shown]
    assert list(selectors.ticket_list_board(query="东海路")) == [shown]
    assert list(selectors.ticket_list_board(query="东海路 不存在的词")) == []


@time_machine.travel(MONDAY, tick=False)
def test_public_timeline_hides_internal_notes(
    hotline: None, citizen: User, operator: User, dispatcher: User, handler: User, cgj: Department
) -> None:
    scjg = Department.objects.get(code="scjg")
    ticket = call(operator)
    services.ticket_dispatch(
        actor=dispatcher, ticket=ticket, category=leaf(STREET_LIGHT), department=cgj, note="派单-内部"
    )
    services.ticket_return(actor=handler, ticket=ticket, reason="退单理由-内部")
    services.ticket_return_review(
        actor=dispatcher, ticket=ticket, accept=True, note="改派-内部", category=leaf("160101"), department=scjg
    )
    scjg_handler = make_handler("scjg-h", "scjg")
    services.ticket_sign(actor=scjg_handler, ticket=ticket)
    extension = services.extension_request(actor=scjg_handler, ticket=ticket, days=3, reason="延期理由-内部")
    services.extension_decide(actor=dispatcher, extension=extension, approve=True, note="批准-内部")
    services.ticket_reply(actor=scjg_handler, ticket=ticket, reply="答复：已处理完毕。")
    ticket.refresh_from_db()

    public = selectors.ticket_timeline(ticket, public=True)
    kinds = [s.kind for s in public]
    assert kinds == ["registered", "dispatched", "redispatched", "signed", "extended", "replied"]
    assert not any("内部" in f"{s.label} {s.text}" for s in public)
    assert [s.department for s in public if s.department] == [cgj.label, scjg.label, scjg.label, scjg.label]
    assert public[-1].text == "答复：已处理完毕。"

    staff = selectors.ticket_timeline(ticket, public=False)
    returned = next(s for s in staff if s.kind == TicketEvent.Kind.RETURNED)
    assert returned.text == "退单理由-内部" and returned.department == cgj.label
    assert {TicketEvent.Kind.EXTENSION_REQUESTED, TicketEvent.Kind.EXTENSION_APPROVED} <= {s.kind for s in staff}


def test_the_caller_and_the_receipt(hotline: None, citizen: User, operator: User) -> None:
    mine = services.ticket_register(
        actor=citizen,
        channel=Ticket.Channel.SITE,
        data=services.TicketInput(type="help", title="路灯不亮", description="江海一路的路灯晚上都不亮。"),
    )
    theirs = call(operator)
    assert list(selectors.ticket_list_for_caller(user=citizen)) == [mine]
    assert selectors.ticket_get_for_caller(user=citizen, pk=mine.pk) == mine
    for user, pk in ((citizen, theirs.pk), (operator, mine.pk), (citizen, 999_999)):
        with pytest.raises(Http404):
            selectors.ticket_get_for_caller(user=user, pk=pk)
    assert selectors.ticket_get_for_receipt(pk=theirs.pk, receipts=[theirs.pk]) == theirs
    with pytest.raises(Http404):
        selectors.ticket_get_for_receipt(pk=theirs.pk, receipts=[mine.pk])


# --- The console ----------------------------------------------------------------------------------------------


def test_knowledge_articles_are_read_by_their_keepers_only(
    hotline: None, dispatcher: User, handler: User, cgj: Department
) -> None:
    article = services.article_save(
        actor=dispatcher,
        title="路灯不亮找谁报修？",
        answer="拨打12345登记。",
        department=cgj,
        category=leaf(STREET_LIGHT),
    )
    assert selectors.article_get_for_user(user=dispatcher, pk=article.pk) == article
    assert cgj in selectors.knowledge_department_list_for_user(dispatcher)
    assert selectors.article_list_for_user(user=dispatcher, query="", limit=10) == [article]
    assert selectors.knowledge_department_list_for_user(handler) == []
    assert selectors.article_list_for_user(user=handler, query="", limit=10) == []
    for user, pk in ((handler, article.pk), (dispatcher, 999_999)):
        with pytest.raises(Http404):
            selectors.article_get_for_user(user=user, pk=pk)


def test_time_limits_and_dispatch_rules_unknown_are_404(hotline: None) -> None:
    rows = selectors.time_limit_list()
    assert selectors.time_limit_get(type=rows[0]["type"], urgency=rows[0]["urgency"]) == rows[0]
    with pytest.raises(Http404):
        selectors.time_limit_get(type="nonsense", urgency="normal")
    with pytest.raises(Http404):
        selectors.dispatch_rule_get(pk=999_999)


def test_call_hints_for_nothing_typed_and_for_a_look_alike(hotline: None, operator: User, cgj: Department) -> None:
    empty = selectors.call_hints(description="")
    assert not empty["typed"] and empty["suggestions"] == [] and empty["duplicates"] == []
    earlier = dispatched(operator, cgj)
    hints = selectors.call_hints(
        description=earlier.description,
        address=earlier.address,
        category_code=STREET_LIGHT,
        ticket_type=Ticket.Type.CONSULT,
    )
    assert hints["typed"] and hints["is_consult"]
    assert [d.ticket for d in hints["duplicates"]] == [earlier]
    assert hints["chosen"]["department"] == cgj


def test_ticket_numbers_wrap_between_their_parts():
    from dgov.hotline.templatetags.hotline import ticket_number_parts

    assert str(ticket_number_parts("RX44070400000020261127000042")) == ("RX440704000000<wbr>20261127<wbr>000042")
    assert ticket_number_parts("<b>not a number</b>") == "<b>not a number</b>"
