"""The case-event receiver: a case applied for here costs no query; a handed-over one, or one the
sender could not tell about, is looked up."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dgov.cases.models import CaseEvent
from dgov.crossregion.receivers import case_event_committed_received


def test_a_case_applied_for_here_is_not_looked_up(db):
    with CaptureQueriesContext(connection) as queries:
        case_event_committed_received(
            None, case_id=1, kind=CaseEvent.Kind.CONCLUDED, kinds=(CaseEvent.Kind.CONCLUDED,), handed_over=False
        )
    assert queries.captured_queries == []


def test_a_handed_over_or_unknown_case_is_looked_up(db):
    for handed_over in (True, None):
        with CaptureQueriesContext(connection) as queries:
            case_event_committed_received(
                None,
                case_id=1,
                kind=CaseEvent.Kind.CONCLUDED,
                kinds=(CaseEvent.Kind.CONCLUDED,),
                handed_over=handed_over,
            )
        # No handover message for case 1: one look-up, then nothing to report.
        assert len(queries.captured_queries) == 1
        assert "crossregion_inboundmessage" in queries.captured_queries[0]["sql"]
