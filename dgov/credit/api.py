"""API of the credit lists at /api/v1/credit.

- ``GET /check?kind=person|enterprise&key=…[&item_code=…&case_number=…]`` — check a subject
  against the entries in force today. Callers: a member of staff signed in with the browser
  session who holds ``Perm.CREDIT_VIEW``, or another government system with an API token of scope
  ``read``. The check is recorded (purpose ``api``) whatever the result. 200 with ``result``
  (clear, red, black, both), the measures, a sentence and the entries in force; a malformed key
  is 400 with field errors ``kind``/``key`` and records nothing; 403 for anyone else.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Query, Router, Schema

from dgov.accounts.models import ApiToken
from dgov.accounts.permissions import Perm, has_perm
from dgov.audit import record
from dgov.credit import services
from dgov.credit.models import CheckPurpose, CheckResultKind, Measure

router = Router(tags=["credit"])


class EntryRead(Schema):
    id: int
    list_kind: str
    measures: list[str]
    measure_labels: list[str]
    measure_note: str
    subject_name: str
    department: str
    authority: str
    document_number: str
    valid_from: date
    valid_until: date | None


class CheckRead(Schema):
    check_id: int
    result: str
    result_label: str
    reason: str
    measures: list[str]
    requires_manual_review: bool
    entries: list[EntryRead]


class CheckQuery(Schema):
    kind: str
    key: str
    item_code: str = ""
    case_number: str = ""


def _entry_read(m: services.MatchedEntry) -> dict[str, Any]:
    return {
        "id": m.id,
        "list_kind": m.list_kind,
        "measures": list(m.measures),
        "measure_labels": m.measure_labels(),
        "measure_note": m.measure_note,
        "subject_name": m.subject_name,
        "department": m.department,
        "authority": m.authority,
        "document_number": m.document_number,
        "valid_from": m.valid_from,
        "valid_until": m.valid_until,
    }


@router.get(
    "/check",
    response=CheckRead,
    summary="Check a subject against the red and black lists (应查必查)",
    description=(
        "kind: person (key = resident ID number) or enterprise (key = unified social credit code); "
        "optional item_code and case_number are kept with the check. Staff with the credit view "
        "permission (browser session) or a system token with scope read. result: clear, red, black "
        "or both; entries in force, black list first; measures are codes of "
        + ", ".join(Measure.values)
        + ". The check is recorded whatever the result; a malformed key is 400 and records nothing."
    ),
)
def credit_check(request: HttpRequest, query: Query[CheckQuery]) -> dict[str, Any]:
    auth = request.auth  # type: ignore[attr-defined]
    if isinstance(auth, ApiToken):
        label = f"token:{auth.prefix}"
        if "read" not in (auth.scopes or []):
            record(actor=label, action="access.denied", target=auth, detail={"action": "credit.check"}, request=request)
            raise PermissionDenied
        actor = None
    else:
        if not has_perm(auth, Perm.CREDIT_VIEW):
            record(actor=auth, action="access.denied", detail={"action": "credit.check"}, request=request)
            raise PermissionDenied
        actor, label = auth, ""
    result = services.credit_check(
        subject_kind=query.kind.strip(),
        key=query.key,
        item_code=query.item_code,
        case_number=query.case_number,
        actor=actor,
        actor_label=label,
        purpose=CheckPurpose.API,
        request=request,
    )
    return {
        "check_id": result.check_id,
        "result": result.result,
        "result_label": str(CheckResultKind(result.result).label),
        "reason": result.reason,
        "measures": sorted(result.measures),
        "requires_manual_review": result.requires_manual_review,
        "entries": [_entry_read(m) for m in (*result.black, *result.red)],
    }
