"""Reads of the licences app, each with its permission check."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dgov.accounts.models import User
from dgov.accounts.permissions import Perm, departments_for, has_perm
from dgov.core import crypto
from dgov.core.measures import Period
from dgov.core.workdays import CALENDAR_TZ
from dgov.licences import measures
from dgov.licences.models import Licence, LicenceShare, LicenceType, LicenceUse, Seal, SealKey


def _holder_filter(user: Any) -> Q | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    q = Q(holder_user=user)
    ids = [user.enterprise_credit_code] if user.kind == User.Kind.ENTERPRISE else [user.id_number]
    for value in ids:
        if value:
            q |= Q(holder_id_digest=crypto.search_digest(value.upper(), context="licence.holder"))
    return q


def licence_list_for_holder(*, user: Any) -> QuerySet[Licence]:
    """The wallet: licences issued to the user, or to the enterprise the account stands for."""
    q = _holder_filter(user)
    if q is None:
        return Licence.objects.none()
    return Licence.objects.filter(q).select_related("type", "issuer").order_by("-issued_at")


def licence_get_for_holder(*, user: Any, pk: int) -> Licence:
    licence = (
        licence_list_for_holder(user=user)
        .select_related("seal_key__seal__department", "previous")
        .filter(pk=pk)
        .first()
    )
    if licence is None:
        raise Http404
    return licence


def licences_usable_for(*, user: Any, type_code: str) -> list[Licence]:
    """The holder's licences of a type that are in force, for presenting in a case."""
    return [
        lic
        for lic in licence_list_for_holder(user=user).filter(type__code=type_code, status=Licence.Status.VALID)
        if not lic.is_expired()
    ]


def licence_uses_for_holder(*, user: Any) -> QuerySet[LicenceUse]:
    """Who used the holder's licences, for what, when."""
    q = _holder_filter(user)
    if q is None:
        return LicenceUse.objects.none()
    holder_licences = Licence.objects.filter(q).values("pk")
    return LicenceUse.objects.filter(licence__in=holder_licences).select_related(
        "licence__type", "case__item", "department", "used_by"
    )


def licence_get_by_share(*, token: str) -> Licence | None:
    if not token or len(token) > 64:
        return None
    share = (
        LicenceShare.objects.select_related("licence__type", "licence__issuer", "licence__seal_key__seal")
        .filter(token_digest=crypto.sm3_hex(token.encode()), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    return share.licence if share else None


def licence_shares_for_holder(*, user: Any, licence: Licence) -> QuerySet[LicenceShare]:
    licence_get_for_holder(user=user, pk=licence.pk)
    return licence.shares.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def licence_list_for_staff(*, user: Any) -> QuerySet[Licence]:
    """Licences of the departments where user may issue, change and revoke."""
    if not has_perm(user, Perm.LICENCE_ISSUE):
        return Licence.objects.none()
    ids = departments_for(user, Perm.LICENCE_ISSUE)
    qs = Licence.objects.select_related("type", "issuer").order_by("-issued_at")
    return qs if ids is None else qs.filter(issuer_id__in=ids)


def licence_get_for_staff(*, user: Any, pk: int) -> Licence:
    licence = (
        licence_list_for_staff(user=user).select_related("seal_key__seal", "previous", "case").filter(pk=pk).first()
    )
    if licence is None:
        raise Http404
    return licence


def licence_case_uses(*, case: Any) -> QuerySet[LicenceUse]:
    """The licences presented in a case (the clerk sees them verified)."""
    return LicenceUse.objects.filter(case=case, kind=LicenceUse.Kind.CASE).select_related(
        "licence__type", "licence__issuer", "licence__seal_key__seal__department", "item_material"
    )


def seal_list_for_manager(*, user: Any) -> QuerySet[Seal]:
    if not has_perm(user, Perm.SEALS_MANAGE):
        return Seal.objects.none()
    ids = departments_for(user, Perm.SEALS_MANAGE)
    qs = Seal.objects.select_related("department").prefetch_related("keys")
    return qs if ids is None else qs.filter(department_id__in=ids)


def seal_get_for_manager(*, user: Any, pk: int) -> Seal:
    seal = seal_list_for_manager(user=user).filter(pk=pk).first()
    if seal is None:
        raise Http404
    return seal


def published_keys() -> list[dict[str, Any]]:
    """Every seal key, current and retired, with what a third party needs to verify (no secrets)."""
    keys = SealKey.objects.select_related("seal__department").order_by("seal__department__code", "key_id")
    return [
        {
            "key_id": k.key_id,
            "algorithm": k.algorithm,
            "curve": "sm2p256v1",
            "signer_id": "1234567812345678",
            "public_key": k.public_key,
            "seal_code": k.seal.code,
            "seal_name": k.seal.name,
            "seal_status": k.seal.status,
            "department": k.seal.department.name,
            "credit_code": k.seal.department.credit_code or "",
            "valid_from": k.seal.valid_from.isoformat(),
            "valid_until": k.seal.valid_until.isoformat(),
            "created_at": k.created_at.isoformat(),
            "retired_at": k.retired_at.isoformat() if k.retired_at else None,
            "current": k.retired_at is None,
        }
        for k in keys
    ]


def seal_record(seal: Seal) -> dict[str, Any]:
    """The seal as a GB/T 38540-shaped record (SES_Seal without the maker's signature; see docs)."""
    return {
        "header": {"ID": "ES", "version": 4, "Vid": "dgov-jianghai"},
        "esID": seal.code,
        "property": {
            "type": int(seal.kind),
            "name": seal.name,
            "certListType": "publicKeys",
            "certList": [k.public_key for k in seal.keys.all()],
            "createDate": seal.made_at.strftime("%Y%m%d%H%M%SZ"),
            "validStart": seal.valid_from.strftime("%Y%m%d%H%M%SZ"),
            "validEnd": seal.valid_until.strftime("%Y%m%d%H%M%SZ"),
        },
        "picture": {
            "type": "png",
            "dataSM3": crypto.sm3_hex(bytes(seal.image_png)),
            "width": seal.image_width_mm,
            "height": seal.image_width_mm,
        },
        "extDatas": {"department": seal.department.name, "creditCode": seal.department.credit_code or ""},
    }


def licence_types_public() -> QuerySet[LicenceType]:
    return LicenceType.objects.select_related("issuer").order_by("code")


# --- Indicators 19 and 20 ----------------------------------------------------------------------


def e_seal_coverage() -> dict[str, Any]:
    """Indicator 20 now (the formula is dgov.licences.measures'): numerator, denominator, percent."""
    now = timezone.now()
    m = measures.e_seal_coverage(Period(since=now, until=now), None)
    return {"numerator": m.numerator, "denominator": m.denominator, "percent": m.value}


def e_licence_use_rate() -> dict[str, Any]:
    """Indicator 19 for the year so far (the formula is dgov.licences.measures')."""
    now = timezone.now()
    start = datetime(now.astimezone(CALENDAR_TZ).year, 1, 1, tzinfo=CALENDAR_TZ)
    m = measures.e_licence_use_rate(Period(since=start, until=now), None)
    return {"numerator": m.numerator, "denominator": m.denominator, "percent": m.value}


def items_accepting_licences() -> QuerySet[Any]:
    """Published items with at least one material a wallet licence satisfies."""
    from dgov.catalog.models import ItemMaterial, ServiceItem

    return (
        ServiceItem.objects.filter(
            status=ServiceItem.Status.PUBLISHED,
            materials__source=ItemMaterial.Source.LICENCE,
        )
        .distinct()
        .select_related("department")
        .order_by("code")
    )


def items_with_unknown_licence_types() -> list[dict[str, Any]]:
    """Published items that name a licence type (output, or a material's source) the platform does
    not know: their licences cannot be issued, or presented, until the type is defined."""
    from dgov.catalog.models import ItemMaterial, ServiceItem

    known = set(LicenceType.objects.values_list("code", flat=True))
    rows: list[dict[str, Any]] = []
    published = ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED).select_related("department")
    for item in published.exclude(output_licence_type="").order_by("code"):
        if item.output_licence_type not in known:
            rows.append({"item": item, "code": item.output_licence_type, "use": "output"})
    materials = ItemMaterial.objects.filter(source=ItemMaterial.Source.LICENCE, item__in=published).select_related(
        "item__department"
    )
    for material in materials.order_by("item__code", "position"):
        if material.source_ref not in known:
            rows.append({"item": material.item, "code": material.source_ref, "use": "material"})
    return rows
