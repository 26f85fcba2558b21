"""API endpoints of applications and case tasks: the same flows as the pages.

Who may call what:

- A signed-in person (browser session) submits and reads their own cases, hands in corrections
  and withdraws; staff read the cases their roles cover and work their tasks.
- A partner system (政银通办, e.g. a bank's terminal) calls with its API token (``Authorization:
  Bearer dgov_…``, scope ``partner``) and submits on behalf of a person who signed in on the
  terminal through the platform's OpenID Connect provider: their access token goes in the
  ``X-On-Behalf-Of`` header. The case records the partner channel and the token. With scope
  ``read`` the partner reads the cases it submitted.
- Anyone may look up progress by case number and verification code.

Submissions take ``application/json`` (no files) or ``multipart/form-data`` with a ``payload``
part holding the same JSON and one file part per material, named ``material_<id>`` (ids from the
item's guide at /api/v1/catalog/items/{code}). Send an ``Idempotency-Key`` header: a retried
request returns the case the first one made (status 200 instead of 201).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from dgov.accounts.models import ApiToken, User
from dgov.accounts.permissions import Perm, has_perm
from dgov.accounts.requests import api_session_user
from dgov.audit import record
from dgov.cases import selectors, services
from dgov.cases.models import Case, CaseEvent, Channel
from dgov.cases.uploads import material_files
from dgov.catalog import selectors as catalog_selectors
from dgov.core.errors import ApplicationError
from dgov.esign.selectors import signature_rows
from dgov.esign.services import signature_input_from, signing_code_send
from dgov.workflow.models import Task
from dgov.workflow.selectors import task_get_for_user
from dgov.workflow.services import task_claim, task_release

router = Router(tags=["cases"])

_SUBMIT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/CaseSubmit"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "payload": {"type": "string", "description": "CaseSubmit as JSON"},
                        "material_<id>": {"type": "string", "format": "binary"},
                    },
                    "required": ["payload"],
                }
            },
        },
    }
}


class CaseSubmit(Schema):
    item_code: str
    data: dict[str, Any]
    draft_id: int | None = None
    # 用证: material id -> identifier of a licence in the applicant's wallet that stands in for it.
    licences: dict[int, str] = {}
    # 免手写签名: {"kind": "drawn", "image": "<PNG as base64 or a data URL>"} or
    # {"kind": "sms_code", "code": "123456"} (a code from POST /cases/signing-codes).
    signature: dict[str, Any] | None = None


class SigningCodeAsk(Schema):
    item_code: str


class SigningCodeSent(Schema):
    sent_to: str
    expires_at: datetime


class SignatureRead(Schema):
    kind: str
    signer: str
    signed_at: datetime
    sm3: str
    seal_code: str
    valid: bool


class EventRead(Schema):
    kind: str
    label: str
    at: datetime
    by: str
    note: str


class MaterialRead(Schema):
    id: int
    material_id: int | None
    material: str
    file_name: str
    content_type: str
    size: int
    sm3: str
    uploaded_at: datetime
    current: bool


class CaseRead(Schema):
    id: int
    number: str
    item_code: str
    item_version: int
    item_name: str
    department: str
    status: str
    status_label: str
    result: str
    channel: str
    partner: str
    submitted_at: datetime | None
    accepted_at: datetime | None
    ended_at: datetime | None
    due_at: datetime | None
    clock_paused: bool
    correction_request: dict[str, Any]
    data: dict[str, Any] | None = None
    materials: list[MaterialRead] = []
    signatures: list[SignatureRead] = []
    timeline: list[EventRead] = []


class LookupRead(Schema):
    number: str
    item_name: str
    department: str
    status: str
    status_label: str
    due_at: datetime | None
    timeline: list[EventRead]


class TaskRead(Schema):
    id: int
    step: str
    name: str
    role: str
    department: str
    state: str
    assignee: str | None
    due_at: datetime | None
    deadline: str
    form: list[dict[str, Any]]
    case_id: int | None
    case_number: str | None


class TaskComplete(Schema):
    decision: str = ""
    opinion: str = ""
    materials: list[int] = []


class WithdrawBody(Schema):
    reason: str


# --- Callers ----------------------------------------------------------------------------------


def _scopes(auth: Any) -> set[str]:
    return set(auth.scopes or []) if isinstance(auth, ApiToken) else set()


def _person_on_behalf(request: HttpRequest) -> User:
    """The person who signed in on the partner's terminal, from their OIDC access token."""
    from oauth2_provider.models import get_access_token_model

    raw = request.headers.get("X-On-Behalf-Of", "").strip()
    if not raw or len(raw) > 500:
        raise ApplicationError(
            "X-On-Behalf-Of must carry the access token of the person applying.", code="on_behalf_of_required"
        )
    checksum = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    token = get_access_token_model().objects.select_related("user").filter(token_checksum=checksum).first()
    if token is None or not token.is_valid(["openid"]) or token.user is None or not token.user.is_active:
        raise ApplicationError("The person's access token is not valid or has expired.", code="on_behalf_of_invalid")
    user: User = token.user
    return user


def _case_read(case: Case, *, full: bool, staff: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": case.pk,
        "number": case.number or "",
        "item_code": case.item.code,
        "item_version": case.item.version,
        "item_name": case.item.name,
        "department": case.department.code,
        "status": case.status,
        "status_label": case.status_label,
        "result": case.result,
        "channel": case.channel,
        "partner": case.partner_name,
        "submitted_at": case.submitted_at,
        "accepted_at": case.accepted_at,
        "ended_at": case.ended_at,
        "due_at": case.due_at,
        "clock_paused": case.is_paused,
        "correction_request": case.correction_request,
    }
    if full:
        out["data"] = case.form_data
        out["materials"] = [
            {
                "id": m.pk,
                "material_id": m.item_material_id,
                "material": m.item_material.name if m.item_material else "",
                "file_name": m.original_name,
                "content_type": m.content_type,
                "size": m.size,
                "sm3": m.sm3,
                "uploaded_at": m.uploaded_at,
                "current": m.is_current,
            }
            for m in selectors.case_materials(case=case)
        ]
        out["signatures"] = [
            {
                "kind": row["signature"].kind,
                "signer": row["signature"].signer_name,
                "signed_at": row["signature"].signed_at,
                "sm3": row["signature"].digest,
                "seal_code": row["signature"].seal.code if row["signature"].seal else "",
                "valid": row["state"] == "valid",
            }
            for row in signature_rows(case=case)
        ]
        out["timeline"] = [_event_read(e) for e in selectors.case_timeline(case=case, staff=staff)]
    return out


def _event_read(e: CaseEvent) -> dict[str, Any]:
    return {"kind": e.kind, "label": e.get_kind_display(), "at": e.at, "by": e.actor_label, "note": e.note}


def _case_for_caller(request: HttpRequest, number: str) -> tuple[Case, bool]:
    """(case, caller is staff) for the number, or 404: applicants see theirs, staff their scope,
    a partner token with read scope the cases it submitted."""
    auth = request.auth  # type: ignore[attr-defined]
    if isinstance(auth, ApiToken):
        if "read" not in _scopes(auth):
            raise PermissionDenied
        case = Case.objects.filter(number=number, via_token=auth).select_related("item", "department").first()
        if case is None:
            raise Http404
        return case, False
    pk = Case.objects.filter(number=number).values_list("pk", flat=True).first()
    if pk is None:
        raise Http404
    case = selectors.case_get_for_user(user=auth, pk=pk)
    return case, case.applicant_id != auth.pk


# --- Cases ------------------------------------------------------------------------------------


def _submission_body(request: HttpRequest) -> tuple[CaseSubmit, dict[int, list[Any]]]:
    """The CaseSubmit and the files of a JSON or multipart request; invalid_body otherwise."""
    content_type = request.content_type or ""
    try:
        if content_type.startswith("multipart/form-data"):
            body = json.loads(request.POST.get("payload", ""))
        else:
            body = json.loads(request.body or b"")
        payload = CaseSubmit(**body)
    except (ValueError, TypeError) as exc:
        raise ApplicationError(f"The body is not a valid CaseSubmit: {exc}", code="invalid_body") from None
    return payload, _material_files(request)


def _material_files(request: HttpRequest) -> dict[int, list[Any]]:
    uploads, other = material_files(request.FILES)
    if other:
        raise ApplicationError(f"Unexpected file part {other[0]!r}: name files material_<id>.", code="invalid_body")
    return uploads


@router.post(
    "/cases", response={200: CaseRead, 201: CaseRead}, openapi_extra=_SUBMIT_BODY, summary="Submit an application"
)
def case_submit(request: HttpRequest) -> Status:
    auth = request.auth  # type: ignore[attr-defined]
    payload, uploads = _submission_body(request)
    item = catalog_selectors.item_get_published(code=payload.item_code)
    idempotency_key = request.headers.get("Idempotency-Key")
    if isinstance(auth, ApiToken):
        if "partner" not in _scopes(auth):
            record(
                actor=f"token:{auth.prefix}",
                action="access.denied",
                target=auth,
                detail={"action": "case.submit"},
                request=request,
            )
            raise PermissionDenied
        person = _person_on_behalf(request)
        case = services.case_submit(
            actor=person,
            item=item,
            data=payload.data,
            uploads=uploads,
            idempotency_key=idempotency_key,
            licences=_wallet_choices(person, payload.licences),
            channel=Channel.PARTNER,
            partner_name=auth.name,
            via_token=auth,
            signature=signature_input_from(payload.signature),
            request=request,
        )
    else:
        draft = None
        if payload.draft_id is not None:
            draft = selectors.case_get_for_applicant(user=auth, pk=payload.draft_id)
        case = services.case_submit(
            actor=auth,
            item=item,
            data=payload.data,
            uploads=uploads,
            idempotency_key=idempotency_key,
            draft=draft,
            licences=_wallet_choices(auth, payload.licences),
            signature=signature_input_from(payload.signature),
            request=request,
        )
    status = 200 if getattr(case, "replayed", False) else 201
    return Status(status, _case_read(case, full=True))


@router.post(
    "/cases/signing-codes", response={201: SigningCodeSent}, summary="Send a one-time code to sign an application"
)
def signing_code_ask(request: HttpRequest, payload: SigningCodeAsk) -> Status:
    """Sends the signed-in citizen an SMS code that signs their next application for the item
    (valid 10 minutes, 5 tries, one per minute). Session callers only."""
    auth = request.auth  # type: ignore[attr-defined]
    if isinstance(auth, ApiToken):
        raise PermissionDenied
    item = catalog_selectors.item_get_published(code=payload.item_code)
    sent = signing_code_send(actor=auth, subject=item.code, subject_name=item.name, request=request)
    return Status(201, {"sent_to": sent.phone_shown, "expires_at": sent.expires_at})


def _wallet_choices(person: User, chosen: dict[int, str]) -> dict[int, int]:
    """Identifiers the caller chose, as the ids of licences in the person's wallet (0 = not theirs:
    the service then refuses that material with a field error)."""
    from dgov.licences.selectors import licence_list_for_holder

    wanted = {str(v).strip().upper() for v in chosen.values()}
    mine = dict(licence_list_for_holder(user=person).filter(identifier__in=wanted).values_list("identifier", "pk"))
    return {int(m): mine.get(str(v).strip().upper(), 0) for m, v in chosen.items()}


@router.get("/cases", response=list[CaseRead], summary="My cases, or the cases my roles cover")
def case_list(
    request: HttpRequest,
    status: str = "",
    item: str = "",
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
) -> list[dict[str, Any]]:
    auth = request.auth  # type: ignore[attr-defined]
    if isinstance(auth, ApiToken):
        if "read" not in _scopes(auth):
            raise PermissionDenied
        qs = Case.objects.filter(via_token=auth).select_related("item", "department").order_by("-pk")
    elif has_perm(auth, Perm.CASE_VIEW):
        qs = selectors.case_list_for_staff(user=auth, status=status, item=item)
    else:
        qs = selectors.case_list_for_applicant(user=auth).exclude(status=Case.Status.DRAFT)
    if status:
        qs = qs.filter(status=status)
    if item:
        qs = qs.filter(item__code=item)
    return [_case_read(c, full=False) for c in qs[offset : offset + limit]]


@router.get("/cases/lookup", response=LookupRead, auth=None, summary="Public progress look-up")
def case_lookup(request: HttpRequest, number: str, code: str) -> dict[str, Any]:
    try:
        case = selectors.case_lookup_public(number=number, code=code, client=request.META.get("REMOTE_ADDR", ""))
    except PermissionError:
        raise HttpError(429, "Too many failed look-ups; try again in ten minutes.") from None
    if case is None:
        raise Http404
    return {
        "number": case.number,
        "item_name": case.item.name,
        "department": case.department.name,
        "status": case.status,
        "status_label": case.status_label,
        "due_at": case.due_at if not case.is_ended else None,
        "timeline": [_event_read(e) for e in selectors.case_timeline(case=case, staff=False)],
    }


@router.get("/cases/{number}", response=CaseRead, summary="One case with its form data, files and timeline")
def case_detail(request: HttpRequest, number: str) -> dict[str, Any]:
    case, staff = _case_for_caller(request, number)
    if staff:
        services.case_read_record(actor=request.auth, case=case, request=request)  # type: ignore[attr-defined]
    return _case_read(case, full=True, staff=staff)


@router.post("/drafts", response=CaseRead, openapi_extra=_SUBMIT_BODY, summary="Save my draft of an application")
def draft_save(request: HttpRequest) -> dict[str, Any]:
    """The applicant's own draft (one per item): values checked for type only, files by content.
    Submit it later with POST /cases and its id as draft_id."""
    auth = request.auth  # type: ignore[attr-defined]
    if isinstance(auth, ApiToken):
        raise PermissionDenied
    payload, uploads = _submission_body(request)
    item = catalog_selectors.item_get_published(code=payload.item_code)
    case = services.case_draft_save(actor=auth, item=item, data=payload.data, uploads=uploads, request=request)
    return _case_read(case, full=True)


@router.post("/cases/{number}/withdraw", response=CaseRead, summary="Withdraw before acceptance")
def case_withdraw(request: HttpRequest, number: str, payload: WithdrawBody) -> dict[str, Any]:
    auth = request.auth  # type: ignore[attr-defined]
    if isinstance(auth, ApiToken):
        raise PermissionDenied
    case, _staff = _case_for_caller(request, number)
    case = services.case_withdraw(actor=auth, case=case, reason=payload.reason, request=request)
    return _case_read(case, full=True)


@router.post("/cases/{number}/corrections", response=CaseRead, summary="Hand in corrected materials (multipart)")
def case_correct(request: HttpRequest, number: str) -> dict[str, Any]:
    auth = request.auth  # type: ignore[attr-defined]
    if isinstance(auth, ApiToken):
        raise PermissionDenied
    case, _staff = _case_for_caller(request, number)
    case = services.case_correct(
        actor=auth, case=case, uploads=_material_files(request), note=request.POST.get("note", ""), request=request
    )
    return _case_read(case, full=True)


# --- Tasks ------------------------------------------------------------------------------------


def _task_read(task: Task, case: Case | None) -> dict[str, Any]:
    return {
        "id": task.pk,
        "step": task.spec_id,
        "name": task.name,
        "role": task.role,
        "department": task.department.code,
        "state": task.state,
        "assignee": task.assignee.username if task.assignee else None,
        "due_at": task.due_at,
        "deadline": selectors.deadline_state(task.due_at),
        "form": task.form,
        "case_id": case.pk if case else None,
        "case_number": case.number if case else None,
    }


@router.get("/tasks", response=list[TaskRead], summary="My work queue (mine=true: tasks I have taken)")
def task_list(request: HttpRequest, mine: bool = False, item: str = "", due: str = "") -> list[dict[str, Any]]:
    user = api_session_user(request)
    return [_task_read(t, c) for t, c in selectors.task_queue_for_user(user=user, mine=mine, item=item, due=due)]


def _task_with_case(request: HttpRequest, pk: int) -> tuple[User, Task]:
    user = api_session_user(request)
    return user, task_get_for_user(user=user, pk=pk)


def _case_of(task: Task) -> Case | None:
    return Case.objects.filter(instance_id=task.instance_id).first()


@router.post("/tasks/{task_id}/claim", response=TaskRead)
def task_claim_endpoint(request: HttpRequest, task_id: int) -> dict[str, Any]:
    user, task = _task_with_case(request, task_id)
    task = task_claim(actor=user, task=task)
    return _task_read(task, _case_of(task))


@router.post("/tasks/{task_id}/release", response=TaskRead)
def task_release_endpoint(request: HttpRequest, task_id: int) -> dict[str, Any]:
    user, task = _task_with_case(request, task_id)
    task = task_release(actor=user, task=task)
    return _task_read(task, _case_of(task))


@router.post("/tasks/{task_id}/complete", response=CaseRead, summary="Complete a case step with a decision")
def task_complete_endpoint(request: HttpRequest, task_id: int, payload: TaskComplete) -> dict[str, Any]:
    user, task = _task_with_case(request, task_id)
    case = services.case_task_complete(
        actor=user,
        task=task,
        decision=payload.decision,
        opinion=payload.opinion,
        materials=payload.materials,
        request=request,
    )
    return _case_read(case, full=True, staff=True)
