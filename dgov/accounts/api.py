"""API endpoints about identity: who am I, regions and departments."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from dgov.accounts.models import ApiToken, Department, Region, User
from dgov.accounts.permissions import roles_of

router = Router(tags=["accounts"])


class RegionRead(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    is_demo: bool


class DepartmentRead(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    credit_code: str | None
    region_code: str


class MeRead(Schema):
    kind: str  # "user" or "system"
    username: str | None = None
    name: str | None = None
    account_kind: str | None = None
    department: str | None = None
    roles: list[str] = []
    scopes: list[str] = []


@router.get("/me", response=MeRead, summary="Who is calling: a signed-in user or a system token")
def me(request: HttpRequest) -> dict[str, Any]:
    principal = request.auth  # type: ignore[attr-defined]
    if isinstance(principal, ApiToken):
        return {
            "kind": "system",
            "name": principal.name,
            "department": getattr(principal.department, "code", None),
            "scopes": principal.scopes,
        }
    user: User = principal
    return {
        "kind": "user",
        "username": user.username,
        "name": user.display_name,
        "account_kind": user.kind,
        "department": getattr(user.department, "code", None),
        "roles": sorted(roles_of(user)),
    }


@router.get("/regions", response=list[RegionRead], summary="The region tree (GB/T 2260-style codes)", auth=None)
def regions(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": r.code,
            "name": r.name,
            "level": r.level,
            "parent_code": r.parent.code if r.parent else None,
            "is_demo": r.is_demo,
        }
        for r in Region.objects.select_related("parent").order_by("code")
    ]


@router.get("/departments", response=list[DepartmentRead], summary="Departments of the district", auth=None)
def departments(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": d.code,
            "name": d.name,
            "name_en": d.name_en,
            "kind": d.kind,
            "credit_code": d.credit_code,
            "region_code": d.region.code,
        }
        for d in Department.objects.select_related("region").order_by("code")
    ]
