"""The parent follows its children (after commit, through dgov.cases.signals): concluded when all
are, partly concluded when one was not granted; the applicant is told; nothing happens twice."""

from __future__ import annotations

from typing import Any

from dgov.accounts.models import User
from dgov.audit.models import AuditEvent
from dgov.bundles.merging import MergedForm
from dgov.bundles.models import Bundle, BundleCase, BundleChild
from dgov.bundles.receivers import follow_child
from dgov.bundles.services import bundle_case_follow
from dgov.bundles.tests.conftest import ALLOWANCE, CARD, PENSION, child_of, decide, open_task, submit
from dgov.cases import services as cases
from dgov.cases.models import Case
from dgov.notices.models import Notice


def _notices(user: User, parent: BundleCase) -> list[Notice]:
    return list(Notice.objects.filter(recipient=user, url=f"/bundles/mine/{parent.pk}/").order_by("pk"))


def test_children_decided_conclude_the_parent_and_the_applicant_is_told(
    citizen: User,
    clerk: User,
    mzj_approver: User,
    rsj_approver: User,
    pension_bundle: Bundle,
    merged: MergedForm,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        parent = submit(citizen, pension_bundle, merged)
    assert BundleCase.objects.get(pk=parent.pk).status == BundleCase.Status.SUBMITTED
    assert len(_notices(citizen, parent)) == 1  # received

    with django_capture_on_commit_callbacks(execute=True):
        cases.case_task_complete(
            actor=clerk, task=open_task(child_of(parent, ALLOWANCE)), decision="accept", opinion="材料齐全"
        )
    parent.refresh_from_db()
    assert parent.status == BundleCase.Status.IN_PROGRESS

    with django_capture_on_commit_callbacks(execute=True):
        # The accept step of this child was done above; review and decide it, then the others.
        allowance = child_of(parent, ALLOWANCE)
        cases.case_task_complete(actor=mzj_approver, task=open_task(allowance), opinion="已审查")
        cases.case_task_complete(actor=mzj_approver, task=open_task(allowance), decision="approve", opinion="同意")
        decide(child_of(parent, PENSION), clerk=clerk, approver=rsj_approver)
    parent.refresh_from_db()
    assert parent.status == BundleCase.Status.IN_PROGRESS and parent.ended_at is None
    assert set(parent.children.exclude(outcome="").values_list("outcome", flat=True)) == {"granted"}

    with django_capture_on_commit_callbacks(execute=True):
        decide(child_of(parent, CARD), clerk=clerk, approver=rsj_approver)
    parent.refresh_from_db()
    assert parent.status == BundleCase.Status.CONCLUDED and parent.ended_at is not None
    assert list(parent.children.values_list("outcome", flat=True)) == ["granted"] * 3
    told = _notices(citizen, parent)
    assert len(told) == 2 and parent.number in told[-1].subject
    assert all(name in told[-1].body for name in (ALLOWANCE, PENSION, CARD))
    follows = AuditEvent.objects.filter(action="bundle.follow", target_id=str(parent.pk))
    assert list(follows.values_list("summary__to", flat=True)) == ["in_progress", "in_progress", "concluded"]


def test_a_child_not_granted_makes_the_parent_partly_concluded_and_says_what_remains(
    citizen: User,
    clerk: User,
    rsj_approver: User,
    pension_bundle: Bundle,
    merged: MergedForm,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        parent = submit(citizen, pension_bundle, merged)
    with django_capture_on_commit_callbacks(execute=True):
        cases.case_task_complete(
            actor=clerk,
            task=open_task(child_of(parent, ALLOWANCE)),
            decision="refuse",
            opinion="残疾等级不符合补贴条件",
        )
    parent.refresh_from_db()
    assert parent.status == BundleCase.Status.IN_PROGRESS
    refused = _notices(citizen, parent)[-1]
    assert ALLOWANCE in refused.subject
    assert "残疾等级不符合补贴条件" in refused.body
    # What remains: the two items still being handled.
    assert PENSION in refused.body and CARD in refused.body

    with django_capture_on_commit_callbacks(execute=True):
        decide(child_of(parent, PENSION), clerk=clerk, approver=rsj_approver)
        decide(child_of(parent, CARD), clerk=clerk, approver=rsj_approver, result="reject", opinion="照片不合格")
    parent.refresh_from_db()
    assert parent.status == BundleCase.Status.PARTLY_CONCLUDED and parent.ended_at is not None
    outcomes = dict(parent.children.values_list("case__item__name", "outcome"))
    assert outcomes == {ALLOWANCE: "not_granted", PENSION: "granted", CARD: "not_granted"}
    final = _notices(citizen, parent)[-1]
    assert parent.number in final.subject and PENSION in final.body and ALLOWANCE in final.body


def test_a_withdrawn_child_is_not_granted(
    citizen: User, pension_bundle: Bundle, merged: MergedForm, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        parent = submit(citizen, pension_bundle, merged)
        cases.case_withdraw(actor=citizen, case=child_of(parent, CARD), reason="已有社保卡")
    assert BundleChild.objects.get(parent=parent, case__item__name=CARD).outcome == "not_granted"
    assert "已有社保卡" in _notices(citizen, parent)[-1].body


def test_the_receiver_applied_twice_changes_nothing_twice(
    citizen: User,
    clerk: User,
    rsj_approver: User,
    pension_bundle: Bundle,
    merged: MergedForm,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        parent = submit(citizen, pension_bundle, merged)
    card = child_of(parent, CARD)
    with django_capture_on_commit_callbacks(execute=True):
        decide(card, clerk=clerk, approver=rsj_approver, result="reject", opinion="照片不合格")
    parent.refresh_from_db()
    child = BundleChild.objects.get(case=card)
    state = (parent.status, parent.updated_at, child.outcome, child.noted_at)
    audits = AuditEvent.objects.filter(target_id=str(parent.pk), target_type="bundles.bundlecase").count()
    notices = Notice.objects.filter(recipient=citizen).count()
    assert audits > 0

    for _ in range(2):
        follow_child(sender=Case, case_id=card.pk, kind="concluded")
        bundle_case_follow(case_id=card.pk)

    parent.refresh_from_db()
    child.refresh_from_db()
    assert (parent.status, parent.updated_at, child.outcome, child.noted_at) == state
    assert AuditEvent.objects.filter(target_id=str(parent.pk), target_type="bundles.bundlecase").count() == audits
    assert Notice.objects.filter(recipient=citizen).count() == notices


def test_a_case_that_is_no_bundle_s_child_is_ignored(citizen: User, jianghai: None) -> None:
    assert bundle_case_follow(case_id=987654) is None
