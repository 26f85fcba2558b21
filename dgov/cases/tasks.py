"""Celery tasks of cases: work that follows a decision but must not hold up or undo it."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="dgov.cases.issue_licence", ignore_result=True)
def issue_licence(case_id: int) -> None:
    """Issue the e-licence of an approved case; a refusal is on the case's staff timeline."""
    from dgov.cases.services import case_issue_licence
    from dgov.licences.services import LicenceError

    try:
        case_issue_licence(case_id=case_id)
    except LicenceError as exc:
        logger.warning("Case %s: e-licence not issued: %s", case_id, exc.message)
