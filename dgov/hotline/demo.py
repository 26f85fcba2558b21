"""Hotline reference and demo data for `make run`.

- The category tree (dgov/hotline/data/categories.json) is reference data: loaded in every mode.
- Demo mode adds a few dispatch-catalogue lines, the knowledge-base answers in
  data/knowledge_demo.json, a trained classifier (from the shipped corpus, when none is stored),
  and a dozen tickets in every state of the loop, made through the services as operators,
  citizens and handlers would, a few of them moved into the past so the late-ticket lists and the
  escalation ladder have something to show.

Idempotent: categories are upserted; the rest is added only when the hotline has no tickets yet.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import transaction

from dgov.accounts.models import Department, Region, User
from dgov.hotline import services
from dgov.hotline.models import Article, Category, ClassifierModel, Ticket
from dgov.ratings.models import Tag
from dgov.ratings.rules import RatingInput

DATA = Path(__file__).resolve().parent / "data"


def load_categories() -> int:
    rows = json.loads((DATA / "categories.json").read_text(encoding="utf-8"))["categories"]
    return services.categories_load(rows)


def _train_classifier() -> bool:
    if ClassifierModel.objects.filter(active=True).exists():
        return False
    from dgov.hotline import classifier

    result = classifier.train(classifier.corpus_load())
    classifier.model_save(result, actor=None, source="corpus")
    return True


def _articles(dispatcher: User) -> int:
    rows = json.loads((DATA / "knowledge_demo.json").read_text(encoding="utf-8"))["articles"]
    made = 0
    for row in rows:
        if Article.objects.filter(title=row["title"]).exists():
            continue
        services.article_save(
            actor=dispatcher,
            title=row["title"],
            answer=row["answer"],
            department=Department.objects.get(code=row["department"]),
            category=Category.objects.get(code=row["category"]) if row.get("category") else None,
            basis=row.get("basis", "") + "（示例）",
            keywords=row.get("keywords", ""),
            publish=True,
        )
        made += 1
    return made


def _rules(dispatcher: User) -> None:
    # 礼乐街道's street lights are kept by the subdistrict office under a maintenance contract.
    services.dispatch_rule_save(
        actor=dispatcher,
        category=Category.objects.get(code="110202"),
        region=Region.objects.get(code="440704005000"),
        department=Department.objects.get(code="lljd"),
        note="礼乐街道辖区路灯由街道委托养护（示例）",
    )


def _ticket(actor: Any, channel: str, *, dispatch_to: str = "", **data: Any) -> Ticket:
    """Register a ticket; with dispatch_to (a department code, the category in data), as an operator
    who accepts or corrects the suggestion on the call."""
    department = Department.objects.get(code=dispatch_to) if dispatch_to else None
    return services.ticket_register(
        actor=actor, channel=channel, data=services.TicketInput(**data), dispatch_to=department
    )


def _dispatch_if_waiting(dispatcher: User, ticket: Ticket, category: Category, code: str) -> Ticket:
    """A dispatcher dispatches what the classifier was not sure enough to dispatch itself."""
    if ticket.status == Ticket.Status.REGISTERED:
        services.ticket_dispatch(
            actor=dispatcher, ticket=ticket, category=category, department=Department.objects.get(code=code)
        )
        ticket.refresh_from_db()
    return ticket


def _into_past(ticket: Ticket, *, days: int) -> None:
    """Move a dispatched ticket's history days into the past (demo late tickets)."""
    shift = timedelta(days=days)
    fresh = Ticket.objects.get(pk=ticket.pk)
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=fresh.created_at - shift,
        dispatched_at=fresh.dispatched_at - shift if fresh.dispatched_at else None,
        sign_due_at=fresh.sign_due_at - shift if fresh.sign_due_at else None,
        due_at=fresh.due_at - shift if fresh.due_at else None,
    )
    fresh.events.update(at=fresh.created_at - shift)
    fresh.assignments.update(dispatched_at=fresh.created_at - shift)


def _tickets() -> int:
    operator = User.objects.get(username="operator")
    handler = User.objects.get(username="handler")
    dispatcher = User.objects.get(username="dispatcher")
    citizen = User.objects.get(username="citizen")
    enterprise = User.objects.get(username="enterprise")
    cgj = Department.objects.get(code="cgj")
    leaf = {c.code: c for c in Category.objects.filter(level=3)}
    phone = Ticket.Channel.PHONE

    # 1. A street light, from call to a good rating.
    light = _ticket(
        operator,
        phone,
        type="help",
        description="外海街道江海一路88号门口那段路灯连续三晚不亮，老人晚上散步很不安全。（示例）",
        caller_name="陈伯文",
        caller_phone="13800000001",
        address="外海街道江海一路88号",
        category_code="110202",
        dispatch_to="cgj",
    )
    services.ticket_sign(actor=handler, ticket=light)
    services.ticket_reply(actor=handler, ticket=light, reply="已安排养护单位更换灯具，当晚恢复照明。（示例）")
    services.ticket_callback(
        actor=operator,
        ticket=light,
        outcome="solved",
        rating=RatingInput(level=5, dimensions={"efficiency": 5, "attitude": 5}, tags=[Tag.FAST]),
        note="来电人确认已修复（示例）",
    )

    # 2. Night construction noise: with the environment bureau, awaiting sign-for.
    _ticket(
        operator,
        phone,
        type="complaint",
        description="高新区金瓯路旁边的工地每天晚上十一点多还在打桩，吵得小孩睡不着。（示例）",
        caller_name="梁女士",
        caller_phone="13800000021",
        address="江南街道金瓯路",
        category_code="120101",
        dispatch_to="sthj",
    )

    # 3 and 4. Overflowing bins reported twice from the site: the second is a duplicate to merge.
    bins = _ticket(
        citizen,
        Ticket.Channel.SITE,
        type="complaint",
        description="墟镇社区菜市场后面的垃圾桶已经满了两天没人清运，很臭，苍蝇很多。（示例）",
        address="外海街道墟镇社区菜市场后巷",
        category_code="110101",
    )
    _dispatch_if_waiting(dispatcher, bins, leaf["110101"], "whjd")
    _ticket(
        enterprise,
        Ticket.Channel.SITE,
        type="complaint",
        description="墟镇社区菜市场后巷垃圾桶满溢没人清运，味道很大。（示例）",
        address="外海街道墟镇社区菜市场后巷",
    )

    # 5. An enquiry answered on the call from the knowledge base (一次办结).
    card = Article.objects.filter(title__startswith="社会保障卡").first()
    if card is not None:
        services.ticket_register(
            actor=operator,
            channel=phone,
            data=services.TicketInput(
                type="consult", description="社保卡不见了，去哪里补？（示例）", caller_phone="13800000022"
            ),
            answered_from=card,
        )

    # 6. A message-board post, answered, called back and published.
    bus = _ticket(
        citizen,
        Ticket.Channel.BOARD,
        type="suggestion",
        description="建议增加江海区到江门站的公交班次，早上七点到八点太挤了。（示例）",
        publish_consent=True,
        category_code="130201",
    )
    _dispatch_if_waiting(dispatcher, bus, leaf["130201"], "zjj")

    # 7. An anonymous report (举报): the department never learns who called.
    _ticket(
        operator,
        phone,
        type="report",
        description="礼乐新华村路口有一家无证小餐馆，后厨卫生很差，油污直接倒进河涌。（示例）",
        anonymous=True,
        address="礼乐街道新华村",
        category_code="160101",
    )

    # 8. Wage arrears returned by the wrong department, waiting for the dispatcher's review.
    wages = _ticket(
        operator,
        phone,
        type="complaint",
        description="我在高新区一家电子厂做了三个月，老板拖欠两个月工资一直不发。（示例）",
        caller_name="黄先生",
        caller_phone="13800000023",
        address="江南街道高新区",
        # Filed under the wrong category on a busy line: 城管 returns it.
        category_code="110201",
        dispatch_to="cgj",
    )
    services.ticket_return(
        actor=handler, ticket=wages, reason="属于劳动保障监察职责，非城管业务，请改派人社局。（示例）"
    )

    # 9. Illegal parking, late: past its sign-for and reply deadlines.
    parking = _ticket(
        operator,
        phone,
        type="complaint",
        description="东海路小区门口每天晚上都有车堵住消防通道。（示例）",
        caller_phone="13800000024",
        address="外海街道东海路",
        category_code="130101",
        dispatch_to="gaj",
    )
    _into_past(parking, days=25)

    # 10. A damaged road in handling, with an extension asked for.
    road = _ticket(
        operator,
        phone,
        type="help",
        description="龙溪路靠近公交站的人行道塌了一个大坑，下雨积水看不见。（示例）",
        caller_phone="13800000025",
        address="江南街道龙溪路",
        category_code="110201",
        dispatch_to="cgj",
    )
    services.ticket_sign(actor=handler, ticket=road)
    services.extension_request(actor=handler, ticket=road, days=5, reason="需等待路面材料进场，雨天无法施工。（示例）")

    # 11. Overgrown trees, replied, awaiting the callback.
    trees = _ticket(
        enterprise,
        Ticket.Channel.MOBILE,
        type="help",
        description="江海一路绿化带的榕树枝条垂到机动车道，货车经过会刮到。（示例）",
        address="外海街道江海一路",
    )
    trees = _dispatch_if_waiting(dispatcher, trees, leaf["110301"], "cgj")
    if trees.department != cgj:
        # The classifier sent it elsewhere: the demo's handler works for 城管 only.
        return Ticket.objects.count()
    services.ticket_sign(actor=handler, ticket=trees)
    services.ticket_reply(actor=handler, ticket=trees, reply="园林养护班组已于今日修剪，恢复通行净空。（示例）")
    return Ticket.objects.count()


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Categories always; demo catalogue lines, articles, classifier and tickets once."""
    counts = {"categories": load_categories()}
    if Ticket.objects.exists():
        return counts
    dispatcher = User.objects.get(username="dispatcher")
    _rules(dispatcher)
    counts["articles"] = _articles(dispatcher)
    counts["classifier"] = int(_train_classifier())
    counts["tickets"] = _tickets()
    return counts
