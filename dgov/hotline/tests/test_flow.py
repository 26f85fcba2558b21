"""The closed loop through the services: each transition, each illegal one, each role boundary."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from dgov.audit.models import AuditEvent
from dgov.core.errors import ApplicationError, ConflictError
from dgov.core.workdays import CALENDAR_TZ
from dgov.hotline import services
from dgov.hotline.models import Assignment, Extension, Ticket, TicketEvent
from dgov.hotline.numbering import ticket_number_valid
from dgov.hotline.tests.conftest import call, leaf, make_handler
from dgov.ratings.models import Rating, Rectification
from dgov.ratings.rules import RatingInput

pytestmark = pytest.mark.django_db
S = Ticket.Status
# A Monday in term time: deadlines land on plain working days.
MONDAY = datetime(2026, 3, 9, 10, 0, tzinfo=CALENDAR_TZ)


def dispatched(operator, cgj, **changes):
    ticket = call(operator, **changes)
    return services.ticket_dispatch(actor=operator, ticket=ticket, category=leaf("110202"), department=cgj)


def test_register_numbers_resolves_place_and_audits(hotline, operator):
    ticket = call(operator)
    assert ticket_number_valid(ticket.number) and ticket.number.startswith("RX440704000000")
    assert len(ticket.lookup_code) == 6 and ticket.lookup_code.isdigit()
    assert ticket.status == S.REGISTERED and ticket.channel == Ticket.Channel.PHONE
    assert ticket.region is not None and ticket.region.name == "外海街道"
    assert ticket.caller_phone_masked == "138****0001" and ticket.caller_phone_digest
    assert AuditEvent.objects.filter(action="hotline.ticket_register", target_id=str(ticket.pk)).exists()
    assert list(ticket.events.values_list("kind", flat=True)) == [TicketEvent.Kind.REGISTERED]


def test_phone_needs_an_operator_and_site_a_signed_in_person(hotline, handler, citizen):
    with pytest.raises(PermissionDenied):
        call(handler)
    data = services.TicketInput(type="consult", description="社保卡丢了怎么补办？")
    ticket = services.ticket_register(actor=citizen, channel=Ticket.Channel.SITE, data=data)
    assert ticket.caller == citizen and ticket.caller_name == citizen.real_name
    with pytest.raises(PermissionDenied):
        services.ticket_register(actor=None, channel=Ticket.Channel.SITE, data=data)
    with pytest.raises(PermissionDenied):
        services.ticket_register(actor=None, channel=Ticket.Channel.OPEN311, data=data)


def test_anonymous_report_keeps_no_identity(hotline, citizen):
    data = services.TicketInput(
        type="report",
        description="有人在礼乐新华村河边偷排污水。",
        caller_name="不该存",
        caller_phone="13900000000",
        anonymous=True,
    )
    ticket = services.ticket_register(actor=citizen, channel=Ticket.Channel.SITE, data=data)
    assert ticket.anonymous and ticket.confidential
    assert ticket.caller is None and ticket.caller_name == "" and ticket.caller_phone == ""


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"type": "gossip"}, "type"),
        ({"urgency": "now"}, "urgency"),
        ({"description": "   "}, "description"),
        ({"description": "长" * 20_001}, "description"),
        ({"title": "题" * 101}, "title"),
        ({"caller_phone": "12345"}, "caller_phone"),
        ({"latitude": "30.0", "longitude": "113.1"}, "latitude"),
        ({"latitude": "22.55"}, "longitude"),
        ({"latitude": "abc", "longitude": "113.1"}, "latitude"),
        ({"category_code": "999999"}, "category"),
        ({"category_code": "110200"}, "category"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(hotline, operator, changes, field):
    before = (Ticket.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as err:
        call(operator, **changes)
    assert field in err.value.field_errors
    assert (Ticket.objects.count(), AuditEvent.objects.count()) == before


def test_long_text_emoji_and_markup_are_kept_as_text(hotline, operator):
    text = "<script>alert(1)</script>路灯坏了😡" + "很" * 19_900
    ticket = call(operator, description=text)
    ticket.refresh_from_db()
    assert ticket.description == text.strip() and len(ticket.description) <= 20_000


def test_landline_accepted(hotline, operator):
    assert call(operator, caller_phone="0750-3500123").caller_phone == "07503500123"


@time_machine.travel(MONDAY, tick=False)
def test_dispatch_sets_clocks_and_assignments(hotline, operator, cgj):
    ticket = dispatched(operator, cgj)
    assert ticket.status == S.DISPATCHED and ticket.department == cgj and ticket.category.code == "110202"
    # 求助: sign for within 1 working day, reply within 5 (Monday → Tuesday, next Monday).
    assert timezone.localtime(ticket.sign_due_at).date().isoformat() == "2026-03-10"
    assert timezone.localtime(ticket.due_at).date().isoformat() == "2026-03-16"
    lead = ticket.assignments.get()
    assert lead.role == Assignment.Role.LEAD and lead.state == Assignment.State.DISPATCHED


@time_machine.travel(MONDAY, tick=False)
def test_urgent_is_due_the_same_day(hotline, operator, cgj):
    ticket = dispatched(operator, cgj, urgency="urgent")
    assert timezone.localtime(ticket.due_at).date() == MONDAY.date()


def test_full_loop_to_a_good_rating(hotline, operator, handler, cgj):
    ticket = dispatched(operator, cgj)
    services.ticket_sign(actor=handler, ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.status == S.HANDLING and ticket.signed_at is not None
    services.ticket_reply(actor=handler, ticket=ticket, reply="已更换灯泡，恢复照明。")
    ticket.refresh_from_db()
    assert ticket.status == S.REPLIED and ticket.reply.startswith("已更换")
    result = services.ticket_callback(
        actor=operator, ticket=ticket, outcome="solved", rating=RatingInput(level=5, dimensions={"efficiency": 5})
    )
    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED and ticket.resolution == Ticket.Resolution.CALLBACK
    rating = result.rating
    assert rating is not None and rating.rated == ticket and rating.department == cgj
    assert rating.channel == "phone" and rating.service_channel == "hotline"
    # The phone caller rated through an account that cannot sign in.
    assert rating.rater.username.startswith("caller-") and not rating.rater.is_active
    assert not rating.rater.has_usable_password()
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == ["registered", "dispatched", "signed", "replied", "callback", "closed"]
    with pytest.raises(ConflictError):
        services.ticket_callback(actor=operator, ticket=ticket, outcome="solved", rating=RatingInput(level=4))


def test_second_rating_for_one_ticket_is_refused(hotline, operator, handler, cgj):
    ticket = dispatched(operator, cgj)
    services.ticket_sign(actor=handler, ticket=ticket)
    services.ticket_reply(actor=handler, ticket=ticket, reply="已修复。")
    services.ticket_callback(
        actor=operator, ticket=ticket, outcome="unsolved", rating=RatingInput(level=2, comment="还是不亮"), reopen=True
    )
    services.ticket_sign(actor=handler, ticket=ticket)
    services.ticket_reply(actor=handler, ticket=ticket, reply="这次真的修好了。")
    with pytest.raises(ConflictError):
        services.ticket_callback(actor=operator, ticket=ticket, outcome="solved", rating=RatingInput(level=5))
    ticket.refresh_from_db()
    assert ticket.status == S.REPLIED and Rating.objects.filter(rated_id=ticket.pk).count() == 1


def test_bad_rating_opens_rectification_and_reopen(hotline, operator, handler, cgj):
    ticket = dispatched(operator, cgj)
    services.ticket_sign(actor=handler, ticket=ticket)
    services.ticket_reply(actor=handler, ticket=ticket, reply="已处理。")
    result = services.ticket_callback(
        actor=operator,
        ticket=ticket,
        outcome="unsolved",
        rating=RatingInput(level=1, tags=["long_wait"]),
        note="灯还是不亮",
        reopen=True,
    )
    ticket.refresh_from_db()
    assert ticket.status == S.DISPATCHED and ticket.reopened == 1 and ticket.replied_at is None
    assert Rectification.objects.filter(rating=result.rating, department=cgj).exists()
    assert ticket.assignments.filter(state=Assignment.State.DISPATCHED, role="lead").count() == 1


def test_reopen_only_when_unsolved_and_rating_only_when_reached(hotline, operator, handler, cgj):
    ticket = dispatched(operator, cgj)
    services.ticket_sign(actor=handler, ticket=ticket)
    services.ticket_reply(actor=handler, ticket=ticket, reply="已处理。")
    with pytest.raises(ApplicationError):
        services.ticket_callback(actor=operator, ticket=ticket, outcome="solved", reopen=True)
    with pytest.raises(ApplicationError):
        services.ticket_callback(actor=operator, ticket=ticket, outcome="unreachable", rating=RatingInput(level=3))
    with pytest.raises(ApplicationError):
        services.ticket_callback(actor=operator, ticket=ticket, outcome="maybe")
    services.ticket_callback(actor=operator, ticket=ticket, outcome="unreachable")
    ticket.refresh_from_db()
    assert ticket.status == S.REPLIED and ticket.callbacks.count() == 1


def test_unrated_replied_ticket_closes_itself(hotline, operator, handler, cgj):
    ticket = dispatched(operator, cgj)
    services.ticket_sign(actor=handler, ticket=ticket)
    services.ticket_reply(actor=handler, ticket=ticket, reply="已处理。")
    assert services.tickets_close_unrated() == 0
    later = timezone.now() + timezone.timedelta(days=services.closing.auto_close_days() + 1)
    assert services.tickets_close_unrated(now=later) == 1
    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED and ticket.resolution == Ticket.Resolution.AUTO
    assert services.tickets_close_unrated(now=later) == 0


def test_anonymous_ticket_is_closed_without_callback(hotline, operator, handler, cgj):
    ticket = dispatched(operator, cgj, anonymous=True)
    services.ticket_sign(actor=handler, ticket=ticket)
    services.ticket_reply(actor=handler, ticket=ticket, reply="已处理。")
    with pytest.raises(ApplicationError):
        services.ticket_callback(actor=operator, ticket=ticket, outcome="solved")
    with pytest.raises(ApplicationError):
        services.ticket_close(actor=operator, ticket=ticket, note="")
    services.ticket_close(actor=operator, ticket=ticket, note="匿名来电，无法回访。")
    ticket.refresh_from_db()
    assert ticket.resolution == Ticket.Resolution.NO_CALLBACK


def test_illegal_transitions_are_refused(hotline, operator, handler, dispatcher, cgj):
    ticket = call(operator)
    # Not dispatched yet: no department holds it, so no handler may touch it.
    with pytest.raises(PermissionDenied):
        services.ticket_sign(actor=handler, ticket=ticket)
    with pytest.raises(PermissionDenied):
        services.ticket_reply(actor=handler, ticket=ticket, reply="x")
    services.ticket_dispatch(actor=operator, ticket=ticket, category=leaf("110202"), department=cgj)
    with pytest.raises(ConflictError):
        services.ticket_dispatch(actor=operator, ticket=ticket, category=leaf("110202"), department=cgj)
    with pytest.raises(ConflictError):
        services.ticket_reply(actor=handler, ticket=ticket, reply="没签收就答复")
    with pytest.raises(ConflictError):
        services.extension_request(actor=handler, ticket=ticket, days=3, reason="还没签收")
    services.ticket_sign(actor=handler, ticket=ticket)
    with pytest.raises(ConflictError):
        services.ticket_sign(actor=handler, ticket=ticket)
    with pytest.raises(ConflictError):
        services.ticket_callback(actor=operator, ticket=ticket, outcome="solved")


def test_outsiders_are_refused(hotline, operator, handler, outsider_handler, citizen, cgj):
    ticket = dispatched(operator, cgj)
    for actor in (outsider_handler, citizen, operator):
        with pytest.raises(PermissionDenied):
            services.ticket_sign(actor=actor, ticket=ticket)
    with pytest.raises(PermissionDenied):
        services.ticket_dispatch(actor=handler, ticket=call(operator), category=leaf("110202"), department=cgj)
    assert AuditEvent.objects.filter(action="access.denied").count() >= 4


def test_return_accepted_goes_elsewhere_and_refused_comes_back(hotline, operator, handler, dispatcher, cgj):
    ticket = dispatched(operator, cgj)
    with pytest.raises(ApplicationError):
        services.ticket_return(actor=handler, ticket=ticket, reason="  ")
    services.ticket_return(actor=handler, ticket=ticket, reason="路灯归供电局管理。")
    ticket.refresh_from_db()
    assert ticket.status == S.RETURNED
    with pytest.raises(PermissionDenied):
        services.ticket_return_review(actor=operator, ticket=ticket, accept=False, note="x")
    with pytest.raises(ApplicationError):
        services.ticket_return_review(actor=dispatcher, ticket=ticket, accept=False, note="")
    services.ticket_return_review(actor=dispatcher, ticket=ticket, accept=False, note="市政路灯属城管。")
    ticket.refresh_from_db()
    assert ticket.status == S.DISPATCHED and ticket.department == cgj
    services.ticket_return(actor=handler, ticket=ticket, reason="再退一次")
    power = cgj.__class__.objects.get(code="power")
    with pytest.raises(ApplicationError):
        services.ticket_return_review(actor=dispatcher, ticket=ticket, accept=True, department=cgj)
    services.ticket_return_review(actor=dispatcher, ticket=ticket, accept=True, department=power, note="改派供电局")
    ticket.refresh_from_db()
    assert ticket.status == S.DISPATCHED and ticket.department == power
    assert ticket.events.filter(kind=TicketEvent.Kind.REDISPATCHED).exists()
    with pytest.raises(PermissionDenied):
        services.ticket_sign(actor=handler, ticket=ticket)


def test_co_handling(hotline, operator, handler, cgj):
    helper = make_handler("zjj-handler", "zjj")
    zjj = helper.department
    ticket = call(operator)
    services.ticket_dispatch(actor=operator, ticket=ticket, category=leaf("110202"), department=cgj, assist=[zjj, cgj])
    assert ticket.assignments.filter(role="assist").get().department == zjj
    services.ticket_sign(actor=helper, ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.status == S.DISPATCHED  # only the lead's signature starts the handling
    services.ticket_sign(actor=handler, ticket=ticket)
    with pytest.raises(PermissionDenied):
        services.ticket_reply(actor=helper, ticket=ticket, reply="协办不能代答")
    services.ticket_assist_reply(actor=helper, ticket=ticket, reply="排水管线已核查。")
    services.ticket_reply(actor=handler, ticket=ticket, reply="已修复。")
    states = dict(ticket.assignments.values_list("role", "state"))
    assert states == {"lead": "replied", "assist": "replied"}


@time_machine.travel(MONDAY, tick=False)
def test_extension_before_the_deadline_and_its_approval(hotline, operator, handler, dispatcher, cgj):
    ticket = dispatched(operator, cgj)
    services.ticket_sign(actor=handler, ticket=ticket)
    for days in (0, 31, "3", True):
        with pytest.raises(ApplicationError):
            services.extension_request(actor=handler, ticket=ticket, days=days, reason="需要采购灯具")
    extension = services.extension_request(actor=handler, ticket=ticket, days=3, reason="需要采购灯具")
    with pytest.raises(ConflictError):
        services.extension_request(actor=handler, ticket=ticket, days=2, reason="再来一个")
    with pytest.raises(PermissionDenied):
        services.extension_decide(actor=handler, extension=extension, approve=True)
    services.extension_decide(actor=dispatcher, extension=extension, approve=True)
    ticket.refresh_from_db()
    # Due Monday 16 March + 3 working days = Thursday 19 March.
    assert timezone.localtime(ticket.due_at).date().isoformat() == "2026-03-19"
    with pytest.raises(ConflictError):
        services.extension_decide(actor=dispatcher, extension=extension, approve=False, note="x")


def test_extension_after_the_deadline_is_refused(hotline, operator, handler, cgj):
    with time_machine.travel(MONDAY, tick=False):
        ticket = dispatched(operator, cgj)
        services.ticket_sign(actor=handler, ticket=ticket)
    with time_machine.travel(datetime(2026, 3, 17, 9, 0, tzinfo=CALENDAR_TZ), tick=False), pytest.raises(ConflictError):
        services.extension_request(actor=handler, ticket=ticket, days=2, reason="太迟了")
    assert not Extension.objects.filter(ticket=ticket).exists()


def test_merge_answers_both(hotline, operator, handler, citizen, cgj):
    first = dispatched(operator, cgj)
    data = services.TicketInput(
        type="help", description="江海一路东海路口路灯坏了好几天，晚上黑漆漆的。", address="外海街道江海一路88号"
    )
    second = services.ticket_register(actor=citizen, channel=Ticket.Channel.SITE, data=data)
    with pytest.raises(ApplicationError):
        services.ticket_merge(actor=operator, ticket=second, into=second)
    services.ticket_merge(actor=operator, ticket=second, into=first)
    second.refresh_from_db()
    assert second.status == S.MERGED and second.merged_into == first
    services.ticket_sign(actor=handler, ticket=first)
    services.ticket_reply(actor=handler, ticket=first, reply="已修复。")
    second.refresh_from_db()
    assert second.reply == "已修复。"
    services.ticket_callback(actor=operator, ticket=first, outcome="solved")
    second.refresh_from_db()
    assert second.status == S.MERGED and second.resolution == Ticket.Resolution.MERGED and second.closed_at
    with pytest.raises(ConflictError):
        services.ticket_merge(actor=operator, ticket=call(operator), into=first)


def test_duplicates_are_found_by_place_and_words(hotline, operator, cgj):
    from dgov.hotline.selectors import duplicates_for

    first = dispatched(operator, cgj)
    again = call(operator, description="江海一路与东海路交界的路灯晚上不亮，很危险。")
    other = call(operator, description="隔壁装修天天电钻声音很大", address="礼乐街道威东路1号")
    assert [d.ticket for d in duplicates_for(again)] == [first]
    assert duplicates_for(other) == []


def test_first_contact_from_the_knowledge_base(hotline, operator, dispatcher, cgj):
    article = services.article_save(
        actor=dispatcher,
        title="社保卡丢失如何补办",
        answer="可通过粤省事小程序或到区政务服务中心社保窗口办理补卡。",
        department=cgj.__class__.objects.get(code="rsj"),
        publish=True,
    )
    ticket = call(operator, type="consult", description="我社保卡丢了，去哪里补办？")
    data = services.TicketInput(type="consult", description="社保卡丢了在哪补？", caller_phone="13800000009")
    done = services.ticket_register(actor=operator, channel="phone", data=data, answered_from=article)
    assert done.status == S.CLOSED and done.resolution == Ticket.Resolution.FIRST_CONTACT
    article.refresh_from_db()
    assert article.uses == 1
    with pytest.raises(ApplicationError):
        services.ticket_register(
            actor=operator,
            channel="phone",
            data=services.TicketInput(type="complaint", description="投诉"),
            answered_from=article,
        )
    assert ticket.status == S.REGISTERED


def test_the_rectification_page_names_the_ticket(hotline, operator, handler, cgj, login):
    from django.urls import reverse

    from dgov.accounts.services import role_grant

    ticket = dispatched(operator, cgj)
    services.ticket_sign(actor=handler, ticket=ticket)
    services.ticket_reply(actor=handler, ticket=ticket, reply="已处理。")
    result = services.ticket_callback(
        actor=operator, ticket=ticket, outcome="unsolved", rating=RatingInput(level=1, comment="没修好")
    )
    rectification = Rectification.objects.get(rating=result.rating)
    role_grant(actor=None, user=handler, role="dept_admin", department=cgj)
    page = login(handler).get(reverse("ratings:work_detail", args=[rectification.pk]))
    assert page.status_code == 200
    assert ticket.number in page.content.decode()
    assert reverse("hotline:ticket", args=[ticket.pk]) in page.content.decode()
