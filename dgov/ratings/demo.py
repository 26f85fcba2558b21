"""Demo ratings for `make run`: the concluded demo case is rated on the window's tablet, and one
application that was not accepted gets a bad rating, so the department's rectification list has
an open rectification to work on.

Made through the services, as applicants and staff would. Idempotent: nothing is added when the
demo applicants have rated already.
"""

from __future__ import annotations

from django.db import transaction

from dgov.accounts.models import User
from dgov.accounts.permissions import Perm, has_perm
from dgov.cases import services as case_services
from dgov.cases.demo import FOOD
from dgov.cases.models import Case, Channel
from dgov.catalog.models import ServiceItem
from dgov.ratings import rules, services
from dgov.ratings.models import Rating, Tag
from dgov.ratings.rules import RatingInput
from dgov.workflow.models import Task

GOOD = RatingInput(
    level=5,
    dimensions={"efficiency": 5, "competence": 5, "attitude": 5},
    tags=[Tag.FAST, Tag.FRIENDLY, Tag.ONE_VISIT],
    comment="窗口工作人员讲解耐心，材料一次讲清楚，当天就办好了。（示例）",
)
BAD = RatingInput(
    level=2,
    dimensions={"efficiency": 2, "attitude": 3},
    tags=[Tag.MANY_VISITS, Tag.LONG_WAIT],
    comment="跑了两趟才知道经营场所要和执照地址一致，希望第一次就一次性告知。（示例）",
)


@transaction.atomic
def load_demo_ratings() -> int:
    """Rate the ended demo cases; returns how many ratings were made (0 when they exist already)."""
    citizen = User.objects.filter(username="citizen").first()
    enterprise = User.objects.filter(username="enterprise").first()
    clerk = User.objects.filter(username="clerk").first()
    if citizen is None or enterprise is None or clerk is None:
        return 0
    if Rating.objects.filter(rater__in=[citizen, enterprise]).exists():
        return 0
    made = 0
    # 1. The demo cases that have ended, rated on the window's tablet (or online).
    ended = Case.objects.filter(applicant__in=[citizen, enterprise], status__in=Case.ENDED_STATUSES)
    for case in ended.select_related("department", "applicant").order_by("pk"):
        if rules.rating_refusal(case=case, rater=case.applicant) is not None:
            continue
        if has_perm(clerk, Perm.CASE_WINDOW, department=case.department):
            services.rating_submit_at_window(clerk=clerk, case=case, data=GOOD)
        else:
            services.rating_submit(actor=case.applicant, case=case, data=GOOD)
        made += 1
    # 2. An application the window did not accept, rated "dissatisfied": an open rectification.
    item = ServiceItem.objects.filter(name="食品经营许可", status=ServiceItem.Status.PUBLISHED).first()
    if item is not None:
        values = {**case_services.prefill_for(enterprise, item.form_schema), **FOOD}
        case = case_services.case_submit(
            actor=clerk, item=item, data=values, uploads={}, channel=Channel.WINDOW, applicant=enterprise
        )
        task = Task.objects.get(instance_id=case.instance_id, state__in=Task.OPEN_STATES)
        case_services.case_task_complete(
            actor=clerk,
            task=task,
            decision="refuse",
            opinion="经营场所地址与营业执照登记地址不一致，不予受理。（示例）",
        )
        services.rating_submit(actor=enterprise, case=Case.objects.get(pk=case.pk), data=BAD)
        made += 1
    return made
