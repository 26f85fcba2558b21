"""The hotline console: 冯丽娟 (dispatcher) keeps the dispatch catalogue, the time limits and every
department's knowledge articles; 邓伟明 (城管's ticket handler) may use none of it; 市场监管's
department administrator keeps only his department's articles."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from dgov.accounts.models import Department, Region, User
from dgov.accounts.services import role_grant, user_create
from dgov.audit.models import AuditEvent
from dgov.hotline import services
from dgov.hotline.dispatch import department_for
from dgov.hotline.models import Article, DispatchRule, Ticket, TimeLimit
from dgov.hotline.tests.conftest import leaf

pytestmark = pytest.mark.django_db
QINGLAN = "440704004005"  # 清兰社区, 外海街道


@pytest.fixture
def scjg(jianghai: None) -> Department:
    return Department.objects.get(code="scjg")


@pytest.fixture
def scjg_admin(scjg: Department) -> User:
    user = user_create(
        actor=None,
        username="scjg-admin",
        password="Kx7-hotline-Keeper!9",
        kind="staff",
        real_name="冯敏",
        department=scjg,
    )
    role_grant(actor=None, user=user, role="dept_admin", department=scjg)
    return user


def article(actor: User, department: Department, title: str, **kw: Any) -> Article:
    return services.article_save(
        actor=actor, title=title, answer=kw.pop("answer", f"{title}的答复。"), department=department, **kw
    )


CONSOLE = [
    ("hotline:console_rules", ()),
    ("hotline:console_rule_new", ()),
    ("hotline:console_limits", ()),
    ("hotline:console_limit", ("consult", "normal")),
    ("hotline:console_articles", ()),
    ("hotline:console_article_new", ()),
    ("hotline:console_categories", ()),
]


# --- Who may use it ------------------------------------------------------------------------------------------


def test_dispatcher_uses_every_console_page(hotline, login, dispatcher):
    client = login(dispatcher)
    assert client.get(reverse("hotline:console")).status_code == 200
    for name, args in CONSOLE:
        assert client.get(reverse(name, args=args)).status_code == 200, name


def test_handler_citizen_and_approver_are_refused_and_it_is_audited(hotline, login, handler, citizen, approver):
    for user in (handler, citizen, approver):
        client = login(user)
        for name, args in CONSOLE:
            assert client.get(reverse(name, args=args)).status_code == 403, (user.username, name)
    assert AuditEvent.objects.filter(action="access.denied", actor_id=handler.pk).exists()
    # The handler still reads the statistics of 城管 from the console's home page.
    home = login(handler).get(reverse("hotline:console"))
    assert home.status_code == 200 and not home.context["can_supervise"] and home.context["can_view"]
    assert login(citizen).get(reverse("hotline:console")).status_code == 403


def test_anonymous_is_sent_to_sign_in(hotline, client):
    for name, args in [("hotline:console", ()), *CONSOLE]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302 and "login" in response["Location"], name


def test_department_admin_has_the_knowledge_base_but_not_the_catalogue(hotline, login, scjg_admin):
    client = login(scjg_admin)
    for name in ("hotline:console_articles", "hotline:console_article_new", "hotline:console_categories"):
        assert client.get(reverse(name)).status_code == 200, name
    for name, args in (("hotline:console_rules", ()), ("hotline:console_limit", ("consult", "normal"))):
        assert client.get(reverse(name, args=args)).status_code == 403, name


# --- Dispatch catalogue --------------------------------------------------------------------------------------------


def test_add_change_and_delete_a_dispatch_rule(hotline, login, dispatcher, cgj):
    client = login(dispatcher)
    whjd = Department.objects.get(code="whjd")
    qinglan = Region.objects.get(code=QINGLAN)
    response = client.post(
        reverse("hotline:console_rule_new"),
        {"category": "110202", "place": QINGLAN, "department": whjd.pk, "note": "社区路灯由街道维护"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("hotline:console_rules")
    rule = DispatchRule.objects.get()
    assert (rule.category.code, rule.region, rule.department, rule.updated_by) == ("110202", qinglan, whjd, dispatcher)
    assert department_for(leaf("110202"), qinglan) == whjd
    listed = client.get(reverse("hotline:console_rules"))
    assert list(listed.context["rules"]) == [rule]
    assert client.get(reverse("hotline:console_rules"), {"top": "160000"}).context["rules"] == []

    anywhere = client.post(
        reverse("hotline:console_rule_new"), {"category": "110202", "place": "", "department": cgj.pk}
    )
    assert anywhere.status_code == 302
    assert DispatchRule.objects.filter(region__isnull=True, department=cgj).exists()

    changed = client.post(reverse("hotline:console_rule", args=[rule.pk]), {"department": cgj.pk, "note": ""})
    assert changed.status_code == 302
    rule.refresh_from_db()
    assert rule.department == cgj and rule.region == qinglan and rule.note == ""

    assert client.get(reverse("hotline:console_rule_delete", args=[rule.pk])).status_code == 200
    assert DispatchRule.objects.filter(pk=rule.pk).exists()
    assert client.post(reverse("hotline:console_rule_delete", args=[rule.pk])).status_code == 302
    assert not DispatchRule.objects.filter(pk=rule.pk).exists()
    assert AuditEvent.objects.filter(action="hotline.dispatch_rule_delete").exists()
    assert client.get(reverse("hotline:console_rule", args=[rule.pk])).status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "110200"}, "category"),  # a class, not a leaf
        ({"category": "999999"}, "category"),
        ({"category": ""}, "category"),
        ({"place": "440704"}, "place"),  # the district itself: that is "anywhere"
        ({"place": "440703000000"}, "place"),  # not a region of ours
        ({"department": ""}, "department"),
        ({"department": "999999"}, "department"),
        ({"note": "注" * 201}, "note"),
    ],
)
def test_bad_dispatch_rule_is_refused_on_its_field(hotline, login, dispatcher, cgj, changes, field):
    data = {"category": "110202", "place": QINGLAN, "department": cgj.pk, "note": "", **changes}
    response = login(dispatcher).post(reverse("hotline:console_rule_new"), data)
    assert response.status_code == 400 and field in response.context["form"].errors
    assert not DispatchRule.objects.exists()


def test_handler_cannot_change_or_delete_rules(hotline, login, dispatcher, handler, cgj):
    rule = services.dispatch_rule_save(actor=dispatcher, category=leaf("110202"), region=None, department=cgj)
    client = login(handler)
    assert client.post(reverse("hotline:console_rule_delete", args=[rule.pk])).status_code == 403
    assert client.post(reverse("hotline:console_rule", args=[rule.pk]), {"department": cgj.pk}).status_code == 403
    assert DispatchRule.objects.filter(pk=rule.pk).exists()


# --- Time limits --------------------------------------------------------------------------------------------------


def test_time_limits_show_defaults_and_save_a_row(hotline, login, dispatcher):
    client = login(dispatcher)
    rows = {(r["type"], r["urgency"]): r for r in client.get(reverse("hotline:console_limits")).context["rows"]}
    assert len(rows) == 12
    assert (rows["consult", "normal"]["sign_days"], rows["consult", "normal"]["reply_days"]) == (1, 3)
    assert rows["complaint", "normal"]["reply_days"] == 13 and rows["complaint", "urgent"]["reply_days"] == 0
    assert rows["consult", "normal"]["saved"] is None

    url = reverse("hotline:console_limit", args=["consult", "normal"])
    assert client.get(url).context["form"].initial == {"sign_days": 1, "reply_days": 3}
    assert client.post(url, {"sign_days": 2, "reply_days": 4}).status_code == 302
    saved = TimeLimit.objects.get()
    assert (saved.type, saved.urgency, saved.sign_days, saved.reply_days) == ("consult", "normal", 2, 4)
    rows = {(r["type"], r["urgency"]): r for r in client.get(reverse("hotline:console_limits")).context["rows"]}
    assert rows["consult", "normal"]["saved"] == saved and rows["consult", "normal"]["reply_days"] == 4


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"sign_days": 5, "reply_days": 3}, "sign_days"),  # signing after the reply is due
        ({"sign_days": -1, "reply_days": 3}, "sign_days"),
        ({"sign_days": 1, "reply_days": 61}, "reply_days"),
        ({"sign_days": "", "reply_days": 3}, "sign_days"),
        ({"sign_days": "one", "reply_days": 3}, "sign_days"),
    ],
)
def test_bad_time_limits_are_refused_on_their_field(hotline, login, dispatcher, data, field):
    response = login(dispatcher).post(reverse("hotline:console_limit", args=["consult", "normal"]), data)
    assert response.status_code == 400 and field in response.context["form"].errors
    assert not TimeLimit.objects.exists()


def test_unknown_type_or_urgency_is_not_found(hotline, login, dispatcher):
    client = login(dispatcher)
    assert client.get(reverse("hotline:console_limit", args=["gossip", "normal"])).status_code == 404
    assert client.post(reverse("hotline:console_limit", args=["consult", "now"]), {"sign_days": 1}).status_code == 404


# --- Knowledge base -----------------------------------------------------------------------------------------------


def test_dispatcher_writes_publishes_and_withdraws_an_article(hotline, login, dispatcher, cgj):
    client = login(dispatcher)
    response = client.post(
        reverse("hotline:console_article_new"),
        {
            "title": "路灯坏了找谁报修？",
            "answer": "拨打12345或在网站反映，城管局三个工作日内维修。",
            "department": cgj.pk,
            "category": "110202",
            "keywords": "路灯 报修",
            "valid_until": "2030-12-31",
        },
    )
    found = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("hotline:console_article", args=[found.pk])
    assert found.status == Article.Status.DRAFT and found.category.code == "110202" and found.department == cgj
    assert " 路灯 " in found.title_tokens and str(found.valid_until) == "2030-12-31"

    status_url = reverse("hotline:console_article_status", args=[found.pk])
    assert client.post(status_url, {"status": "published"}).status_code == 302
    found.refresh_from_db()
    assert found.status == Article.Status.PUBLISHED
    # Publishing again is refused with a message; the status stays.
    again = client.post(status_url, {"status": "published"}, follow=True)
    assert [m.level_tag for m in again.context["messages"]][-1] == "error"
    assert client.post(status_url, {"status": "withdrawn"}).status_code == 302
    found.refresh_from_db()
    assert found.status == Article.Status.WITHDRAWN
    assert client.get(status_url).status_code == 405

    listed = client.get(reverse("hotline:console_articles"), {"q": "路灯"})
    assert list(listed.context["page"].object_list) == [found]
    assert list(client.get(reverse("hotline:console_articles"), {"q": "社保"}).context["page"].object_list) == []


def test_publish_now_and_edit_keep_one_article(hotline, login, dispatcher, cgj):
    client = login(dispatcher)
    data = {"title": "垃圾几点清运？", "answer": "每天早晚各一次。", "department": cgj.pk, "publish": "on"}
    client.post(reverse("hotline:console_article_new"), data)
    found = Article.objects.get()
    assert found.status == Article.Status.PUBLISHED
    edit = client.get(reverse("hotline:console_article", args=[found.pk]))
    assert "publish" not in edit.context["form"].fields
    client.post(reverse("hotline:console_article", args=[found.pk]), {**data, "answer": "每天早晚各一次，节假日照常。"})
    found.refresh_from_db()
    assert Article.objects.count() == 1 and found.answer.endswith("节假日照常。")


def test_department_admin_keeps_only_his_department_s_articles(hotline, login, dispatcher, scjg_admin, scjg, cgj):
    theirs = article(dispatcher, cgj, "路灯坏了找谁？")
    mine = article(dispatcher, scjg, "预付卡商家跑路怎么办？")
    client = login(scjg_admin)
    listed = client.get(reverse("hotline:console_articles"))
    assert list(listed.context["page"].object_list) == [mine]
    assert client.get(reverse("hotline:console_article", args=[mine.pk])).status_code == 200
    assert client.get(reverse("hotline:console_article", args=[theirs.pk])).status_code == 404
    status_url = reverse("hotline:console_article_status", args=[theirs.pk])
    assert client.post(status_url, {"status": "published"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Article.Status.DRAFT
    # The department list offers only his own; another is refused and nothing is written.
    form = client.get(reverse("hotline:console_article_new")).context["form"]
    assert list(form.fields["department"].queryset) == [scjg]
    refused = client.post(reverse("hotline:console_article_new"), {"title": "问", "answer": "答", "department": cgj.pk})
    assert refused.status_code == 400 and "department" in refused.context["form"].errors
    assert Article.objects.count() == 2
    ok = client.post(reverse("hotline:console_article_new"), {"title": "问", "answer": "答", "department": scjg.pk})
    assert ok.status_code == 302 and Article.objects.filter(department=scjg).count() == 2
    # The dispatcher sees every department's.
    assert len(login(dispatcher).get(reverse("hotline:console_articles")).context["page"].object_list) == 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "问" * 201}, "title"),
        ({"answer": "  "}, "answer"),
        ({"answer": "答" * 5001}, "answer"),
        ({"category": "110200"}, "category"),
        ({"valid_until": "tomorrow"}, "valid_until"),
        ({"basis": "据" * 301}, "basis"),
        ({"department": ""}, "department"),
    ],
)
def test_bad_article_is_refused_on_its_field(hotline, login, dispatcher, cgj, changes, field):
    data = {"title": "问题", "answer": "答复", "department": cgj.pk, **changes}
    response = login(dispatcher).post(reverse("hotline:console_article_new"), data)
    assert response.status_code == 400 and field in response.context["form"].errors
    assert not Article.objects.exists()


def test_unknown_status_is_refused(hotline, login, dispatcher, cgj):
    found = article(dispatcher, cgj, "问题")
    response = login(dispatcher).post(
        reverse("hotline:console_article_status", args=[found.pk]), {"status": "draft"}, follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    found.refresh_from_db()
    assert found.status == Article.Status.DRAFT


# --- Category tree ------------------------------------------------------------------------------------------------


def test_category_tree_lists_codes_departments_and_ticket_counts(hotline, login, dispatcher, operator, cgj, scjg_admin):
    data = services.TicketInput(type="help", description="路灯不亮", caller_phone="13800000001")
    ticket = services.ticket_register(actor=operator, channel=Ticket.Channel.PHONE, data=data)
    services.ticket_dispatch(actor=operator, ticket=ticket, category=leaf("110202"), department=cgj)
    rows = {r["category"].code: r for r in login(dispatcher).get(reverse("hotline:console_categories")).context["rows"]}
    assert rows["110202"]["tickets"] == 1 and rows["110200"]["tickets"] == 1 and rows["110000"]["tickets"] == 1
    assert rows["110201"]["tickets"] == 0
    assert rows["110202"]["category"].department == cgj and rows["110101"]["category"].by_subdistrict
    # 市场监管 counts its own tickets only.
    scjg_rows = login(scjg_admin).get(reverse("hotline:console_categories")).context["rows"]
    assert {r["category"].code: r["tickets"] for r in scjg_rows}["110202"] == 0
