"""Staff endpoints of e-licences and e-seals (/api/v1/licences/…), for staff signed in with the
browser session; a system token may not call them (it acts for no department).

- ``GET /staff``: the licences of the departments where the caller issues (``Perm.LICENCE_ISSUE``).
- ``POST /staff/{identifier}/status``: suspend, reinstate, revoke (撤销) or cancel (注销), with a reason.
- ``POST /cases/{number}/issue``: issue the licence of an approved case; asking again returns the
  same licence with 200 instead of 201.
- ``GET /seals``: the seals of the departments the caller manages, public fields only.

Errors have the API's one body: ``{code, message, errors: [{field, message}]}``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status

from dgov.accounts.permissions import Perm, has_perm
from dgov.accounts.requests import api_session_user
from dgov.cases import selectors as case_selectors
from dgov.cases import services as case_services
from dgov.licences import selectors, services
from dgov.licences.models import Licence, Seal

router = Router(tags=["licences"])


class LicenceStaffRead(Schema):
    id: int
    identifier: str
    type_code: str
    type_name: str
    version: int
    issuer: str
    holder_kind: str
    holder_name: str
    holder_id_shown: str
    face: dict[str, str]
    status: str
    effective_status: str
    status_reason: str
    valid_from: date
    valid_until: date | None
    issued_at: datetime
    case_number: str | None
    previous: str | None


class LicenceStatusBody(Schema):
    status: Licence.Status
    reason: str


class IssueBody(Schema):
    face: dict[str, str] = {}


class SealKeyRead(Schema):
    key_id: str
    algorithm: str
    public_key: str
    created_at: datetime
    retired_at: datetime | None
    current: bool


class SealRead(Schema):
    code: str
    name: str
    kind: str
    department: str
    status: str
    status_reason: str
    valid_from: datetime
    valid_until: datetime
    usable: bool
    keys: list[SealKeyRead]


def _licence_read(licence: Licence) -> dict[str, Any]:
    return {
        "id": licence.pk,
        "identifier": licence.identifier,
        "type_code": licence.type.code,
        "type_name": licence.type.name,
        "version": licence.version,
        "issuer": licence.issuer.code,
        "holder_kind": licence.holder_kind,
        "holder_name": licence.holder_name,
        "holder_id_shown": licence.holder_id_shown,
        "face": licence.face,
        "status": licence.status,
        "effective_status": licence.effective_status,
        "status_reason": licence.status_reason,
        "valid_from": licence.valid_from,
        "valid_until": licence.valid_until,
        "issued_at": licence.issued_at,
        "case_number": licence.case.number if licence.case_id and licence.case else None,
        "previous": licence.previous.identifier if licence.previous_id and licence.previous else None,
    }


@router.get("/staff", response=list[LicenceStaffRead], summary="Licences of the departments where I issue")
def licence_list_staff(
    request: HttpRequest,
    type: str = "",
    status: str = "",
    q: str = "",
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
) -> list[dict[str, Any]]:
    user = api_session_user(request)
    if not has_perm(user, Perm.LICENCE_ISSUE):
        raise PermissionDenied
    qs = selectors.licence_list_for_staff(user=user).select_related("case", "previous")
    if type:
        qs = qs.filter(type__code=type)
    if status:
        qs = qs.filter(status=status)
    text = q.strip()[:128]
    if text:
        qs = qs.filter(Q(identifier__icontains=text) | Q(holder_name__icontains=text))
    return [_licence_read(lic) for lic in qs[offset : offset + limit]]


@router.post("/staff/{identifier}/status", response=LicenceStaffRead, summary="Suspend, reinstate, revoke or cancel")
def licence_status_staff(request: HttpRequest, identifier: str, payload: LicenceStatusBody) -> dict[str, Any]:
    user = api_session_user(request)
    licence = selectors.licence_list_for_staff(user=user).filter(identifier=identifier.strip().upper()).first()
    if licence is None:
        raise Http404
    licence = services.licence_set_status(
        actor=user, licence=licence, status=payload.status, reason=payload.reason, request=request
    )
    return _licence_read(selectors.licence_get_for_staff(user=user, pk=licence.pk))


@router.post(
    "/cases/{number}/issue",
    response={200: LicenceStaffRead, 201: LicenceStaffRead},
    summary="Issue the licence of an approved case (idempotent)",
)
def licence_issue_for_case(request: HttpRequest, number: str, payload: IssueBody | None = None) -> Status:
    """Face values in the body fill or correct what the case gives. A second call returns the
    licence the first one issued (200), whatever its body."""
    user = api_session_user(request)
    case = case_selectors.case_list_for_staff(user=user, number=number).filter(number=number).first()
    if case is None:
        raise Http404
    if not has_perm(user, Perm.LICENCE_ISSUE, department=case.department):
        raise PermissionDenied
    existed = Licence.objects.filter(case=case).exists()
    licence = case_services.case_issue_licence(
        case_id=case.pk, actor=user, face=(payload.face if payload else None) or None, request=request
    )
    return Status(200 if existed else 201, _licence_read(selectors.licence_get_for_staff(user=user, pk=licence.pk)))


def _seal_read(seal: Seal) -> dict[str, Any]:
    return {
        "code": seal.code,
        "name": seal.name,
        "kind": seal.kind,
        "department": seal.department.code,
        "status": seal.status,
        "status_reason": seal.status_reason,
        "valid_from": seal.valid_from,
        "valid_until": seal.valid_until,
        "usable": seal.is_usable(),
        "keys": [
            {
                "key_id": k.key_id,
                "algorithm": k.algorithm,
                "public_key": k.public_key,
                "created_at": k.created_at,
                "retired_at": k.retired_at,
                "current": k.retired_at is None,
            }
            for k in sorted(seal.keys.all(), key=lambda k: k.created_at)
        ],
    }


@router.get("/seals", response=list[SealRead], summary="Seals of the departments I manage")
def seal_list_staff(request: HttpRequest) -> list[dict[str, Any]]:
    user = api_session_user(request)
    if not has_perm(user, Perm.SEALS_MANAGE):
        raise PermissionDenied
    return [_seal_read(seal) for seal in selectors.seal_list_for_manager(user=user)]
