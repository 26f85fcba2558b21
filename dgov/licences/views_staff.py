"""Staff pages of e-seals and e-licences (/licences/work/).

- Seals (``Perm.SEALS_MANAGE``): a department administrator's seals, making one, rotating its key,
  suspending, reactivating and revoking it. Private keys are never read here.
- Licences (``Perm.LICENCE_ISSUE``): the department's licences, their status, change (变更) and
  renewal (延续), and issuing by hand the licence of an approved case.
- Look-up (``Perm.CASE_VIEW``): a licence looked up for a case the member of staff handles; each
  look-up is recorded and the holder sees it.
- Indicators 19 and 20 of the plan (``Perm.CASE_VIEW``: leaders and every case role).

Views parse the request, call one selector or service, render; the services check again.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dgov.accounts.models import Department
from dgov.accounts.permissions import Perm, departments_for, has_perm, require, requires
from dgov.accounts.requests import AuthedRequest
from dgov.cases import selectors as case_selectors
from dgov.cases import services as case_services
from dgov.cases.models import Case
from dgov.core.errors import ApplicationError
from dgov.core.workdays import local_date
from dgov.licences import selectors, services
from dgov.licences.faces import face_from_case
from dgov.licences.forms import (
    ConfirmForm,
    FaceForm,
    LicenceFilterForm,
    LicenceStatusForm,
    LookupForm,
    SealCreateForm,
    SealStatusForm,
    place_errors,
)
from dgov.licences.models import Licence, LicenceType, Seal
from dgov.licences.verification import verify_licence


@requires(Perm.CASE_VIEW)
def index(request: AuthedRequest) -> HttpResponse:
    """Where the workbench links lead: the sections this member of staff may use."""
    user = request.user
    return render(
        request,
        "licences/work/index.html",
        {
            "can_manage_seals": has_perm(user, Perm.SEALS_MANAGE),
            "can_issue": has_perm(user, Perm.LICENCE_ISSUE),
        },
    )


# --- Seals -------------------------------------------------------------------------------------


def _managed_departments(request: AuthedRequest) -> QuerySet[Department]:
    ids = departments_for(request.user, Perm.SEALS_MANAGE)
    qs = Department.objects.order_by("code")
    return qs if ids is None else qs.filter(pk__in=ids)


@requires(Perm.SEALS_MANAGE)
def seal_list(request: AuthedRequest) -> HttpResponse:
    seals = selectors.seal_list_for_manager(user=request.user)
    rows = []
    for seal in seals:
        keys = sorted(seal.keys.all(), key=lambda k: k.created_at)
        rows.append(
            {
                "seal": seal,
                "current_key": next((k for k in keys if k.retired_at is None), None),
                "retired": sum(1 for k in keys if k.retired_at is not None),
                "usable": seal.is_usable(),
            }
        )
    return render(request, "licences/seals/list.html", {"rows": rows})


@requires(Perm.SEALS_MANAGE)
def seal_create(request: AuthedRequest) -> HttpResponse:
    form = SealCreateForm(request.POST or None, request.FILES or None, departments=_managed_departments(request))
    if request.method == "POST" and form.is_valid():
        start, end = form.validity()
        upload = form.cleaned_data.get("picture")
        try:
            seal = services.seal_create(
                actor=request.user,
                department=form.cleaned_data["department"],
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                valid_from=start,
                valid_until=end,
                image_png=upload.read(services.SEAL_PICTURE_MAX_BYTES + 1) if upload else None,
                request=request,
            )
        except ApplicationError as exc:
            place_errors(form, exc)
            return render(request, "licences/seals/create.html", {"form": form}, status=exc.status)
        messages.success(request, _("Seal %(code)s was made with a new SM2 key.") % {"code": seal.code})
        return redirect("licences_staff:seal_detail", pk=seal.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "licences/seals/create.html", {"form": form}, status=status)


def _seal_status_actions(seal: Seal, bound: SealStatusForm | None = None) -> list[dict[str, Any]]:
    targets: list[tuple[str, str]] = []
    if seal.status == Seal.Status.ACTIVE:
        targets.append((Seal.Status.SUSPENDED, _("Suspend")))
    if seal.status == Seal.Status.SUSPENDED:
        targets.append((Seal.Status.ACTIVE, _("Reactivate")))
    if seal.status != Seal.Status.REVOKED:
        targets.append((Seal.Status.REVOKED, _("Revoke")))
    actions = []
    for target, title in targets:
        form = bound if bound is not None and bound.target == target else SealStatusForm(target=target)
        actions.append({"status": target, "title": title, "form": form, "final": target == Seal.Status.REVOKED})
    return actions


def _seal_detail(
    request: AuthedRequest,
    seal: Seal,
    *,
    status_form: SealStatusForm | None = None,
    rotate_form: ConfirmForm | None = None,
    status: int = 200,
) -> HttpResponse:
    keys = sorted(seal.keys.all(), key=lambda k: k.created_at)
    context = {
        "seal": seal,
        "keys": keys,
        "usable": seal.is_usable(),
        "record_json": json.dumps(selectors.seal_record(seal), ensure_ascii=False, indent=2),
        "rotate_form": rotate_form or ConfirmForm(auto_id="rotate_%s"),
        "status_actions": _seal_status_actions(seal, status_form),
    }
    return render(request, "licences/seals/detail.html", context, status=status)


@requires(Perm.SEALS_MANAGE)
def seal_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _seal_detail(request, selectors.seal_get_for_manager(user=request.user, pk=pk))


@requires(Perm.SEALS_MANAGE)
def seal_picture(request: AuthedRequest, pk: int) -> HttpResponse:
    """The seal's picture (PNG), for those who manage the seal."""
    seal = selectors.seal_get_for_manager(user=request.user, pk=pk)
    response = HttpResponse(bytes(seal.image_png), content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires(Perm.SEALS_MANAGE)
@require_POST
def seal_rotate(request: AuthedRequest, pk: int) -> HttpResponse:
    seal = selectors.seal_get_for_manager(user=request.user, pk=pk)
    form = ConfirmForm(request.POST, auto_id="rotate_%s")
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm the new key."))
        return _seal_detail(request, seal, rotate_form=form, status=400)
    try:
        key = services.seal_key_rotate(actor=request.user, seal=seal, request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _seal_detail(request, seal, status=exc.status)
    messages.success(
        request, _("Key %(key)s now signs; the previous key is retired and still verifies.") % {"key": key.key_id}
    )
    return redirect("licences_staff:seal_detail", pk=seal.pk)


@requires(Perm.SEALS_MANAGE)
@require_POST
def seal_status(request: AuthedRequest, pk: int) -> HttpResponse:
    seal = selectors.seal_get_for_manager(user=request.user, pk=pk)
    target = request.POST.get("status", "")
    if target not in Seal.Status.values:
        messages.error(request, _("Unknown seal status."))
        return _seal_detail(request, seal, status=400)
    form = SealStatusForm(request.POST, target=target)
    if not form.is_valid():
        messages.error(request, _("Please correct the marked fields."))
        return _seal_detail(request, seal, status_form=form, status=400)
    try:
        seal = services.seal_set_status(
            actor=request.user, seal=seal, status=target, reason=form.cleaned_data["reason"], request=request
        )
    except ApplicationError as exc:
        place_errors(form, exc)
        messages.error(request, exc.message)
        return _seal_detail(request, seal, status_form=form, status=exc.status)
    messages.success(request, _("The seal is now: %(status)s.") % {"status": seal.get_status_display()})
    return redirect("licences_staff:seal_detail", pk=seal.pk)


# --- Licences ----------------------------------------------------------------------------------


def _issuable_types(request: AuthedRequest) -> QuerySet[LicenceType]:
    ids = departments_for(request.user, Perm.LICENCE_ISSUE)
    qs = LicenceType.objects.order_by("code")
    return qs if ids is None else qs.filter(issuer_id__in=ids)


def _filter_licences(qs: QuerySet[Licence], data: dict[str, Any], today: date) -> QuerySet[Licence]:
    if data.get("type"):
        qs = qs.filter(type__code=data["type"])
    status = data.get("status") or ""
    in_force = Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    if status == "expired":
        qs = qs.filter(status=Licence.Status.VALID, valid_until__lt=today)
    elif status == Licence.Status.VALID:
        qs = qs.filter(in_force, status=status)
    elif status:
        qs = qs.filter(status=status)
    text = (data.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(identifier__icontains=text) | Q(holder_name__icontains=text))
    return qs


@requires(Perm.LICENCE_ISSUE)
def licence_list(request: AuthedRequest) -> HttpResponse:
    form = LicenceFilterForm(request.GET or None, types=_issuable_types(request))
    data = form.cleaned_data if form.is_valid() else {}
    licences = _filter_licences(selectors.licence_list_for_staff(user=request.user), data, local_date(timezone.now()))
    page = Paginator(licences, 50).get_page(request.GET.get("page"))
    return render(request, "licences/work/list.html", {"form": form, "page": page})


def _face_rows(licence: Licence) -> list[dict[str, str]]:
    language = get_language() or "zh-hans"
    ltype = licence.type
    order = [k for k in ltype.face_order() if k in licence.face]
    order += [k for k in licence.face if k not in order]
    return [{"label": ltype.face_label(k, language), "value": str(licence.face[k])} for k in order]


def _licence_status_actions(licence: Licence, bound: LicenceStatusForm | None = None) -> list[dict[str, Any]]:
    if licence.status in (Licence.Status.REVOKED, Licence.Status.CANCELLED):
        return []
    targets: list[tuple[str, str, str]] = []
    if licence.status == Licence.Status.VALID:
        targets.append((Licence.Status.SUSPENDED, _("Suspend"), ""))
    if licence.status == Licence.Status.SUSPENDED:
        targets.append((Licence.Status.VALID, _("Reinstate"), ""))
    targets.append(
        (
            Licence.Status.REVOKED,
            _("Revoke (撤销)"),
            _("Revoking withdraws the licence as wrongly granted; it is final."),
        )
    )
    targets.append(
        (
            Licence.Status.CANCELLED,
            _("Cancel (注销)"),
            _("Cancelling ends a licence that lapsed or was given up; it is final."),
        )
    )
    return [
        {
            "status": target,
            "title": title,
            "warning": warning,
            "form": bound if bound is not None and bound.target == target else LicenceStatusForm(target=target),
        }
        for target, title, warning in targets
    ]


def _licence_detail(
    request: AuthedRequest,
    licence: Licence,
    *,
    status_form: LicenceStatusForm | None = None,
    renew_form: ConfirmForm | None = None,
    status: int = 200,
) -> HttpResponse:
    versions = selectors.licence_list_for_staff(user=request.user).filter(type=licence.type, serial=licence.serial)
    context = {
        "licence": licence,
        "face_rows": _face_rows(licence),
        "verdict": verify_licence(licence),
        "versions": versions.order_by("-version"),
        "uses": licence.uses.select_related("case", "used_by", "department", "item_material"),
        "status_actions": _licence_status_actions(licence, status_form),
        "renew_form": renew_form or ConfirmForm(auto_id="renew_%s"),
        "in_force": licence.status not in (Licence.Status.REVOKED, Licence.Status.CANCELLED),
    }
    return render(request, "licences/work/detail.html", context, status=status)


@requires(Perm.LICENCE_ISSUE)
def licence_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _licence_detail(request, selectors.licence_get_for_staff(user=request.user, pk=pk))


@requires(Perm.LICENCE_ISSUE)
@require_POST
def licence_status(request: AuthedRequest, pk: int) -> HttpResponse:
    licence = selectors.licence_get_for_staff(user=request.user, pk=pk)
    target = request.POST.get("status", "")
    if target not in Licence.Status.values:
        messages.error(request, _("Unknown licence status."))
        return _licence_detail(request, licence, status=400)
    form = LicenceStatusForm(request.POST, target=target)
    if not form.is_valid():
        messages.error(request, _("Please correct the marked fields."))
        return _licence_detail(request, licence, status_form=form, status=400)
    try:
        licence = services.licence_set_status(
            actor=request.user, licence=licence, status=target, reason=form.cleaned_data["reason"], request=request
        )
    except ApplicationError as exc:
        place_errors(form, exc)
        messages.error(request, exc.message)
        return _licence_detail(request, licence, status_form=form, status=exc.status)
    messages.success(request, _("The licence is now: %(status)s.") % {"status": licence.get_status_display()})
    return redirect("licences_staff:licence_detail", pk=licence.pk)


@requires(Perm.LICENCE_ISSUE)
def licence_change(request: AuthedRequest, pk: int) -> HttpResponse:
    """变更: edit the face; a new version is signed and the old one cancelled."""
    licence = selectors.licence_get_for_staff(user=request.user, pk=pk)
    if licence.status in (Licence.Status.REVOKED, Licence.Status.CANCELLED):
        messages.error(request, _("Only a licence in force can be changed or renewed."))
        return redirect("licences_staff:licence_detail", pk=licence.pk)
    form = FaceForm(request.POST or None, ltype=licence.type, initial=dict(licence.face))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                new = services.licence_replace(actor=request.user, licence=licence, face=form.face(), request=request)
            except ApplicationError as exc:
                form.place_errors(exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("Version %(version)03d was issued; the previous version is cancelled.")
                    % {"version": new.version},
                )
                return redirect("licences_staff:licence_detail", pk=new.pk)
    return render(request, "licences/work/change.html", {"licence": licence, "form": form}, status=status)


@requires(Perm.LICENCE_ISSUE)
@require_POST
def licence_renew(request: AuthedRequest, pk: int) -> HttpResponse:
    """延续: a new version with a new validity period from today; the old one is cancelled."""
    licence = selectors.licence_get_for_staff(user=request.user, pk=pk)
    form = ConfirmForm(request.POST, auto_id="renew_%s")
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm the renewal."))
        return _licence_detail(request, licence, renew_form=form, status=400)
    try:
        new = services.licence_replace(actor=request.user, licence=licence, renew=True, request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _licence_detail(request, licence, status=exc.status)
    messages.success(request, _("The licence was renewed as version %(version)03d.") % {"version": new.version})
    return redirect("licences_staff:licence_detail", pk=new.pk)


@requires(Perm.LICENCE_ISSUE)
def issue_for_case(request: AuthedRequest, case_pk: int) -> HttpResponse:
    """Issue by hand the licence of an approved case, filling what the automatic issue lacked."""
    case = case_selectors.case_get_for_staff(user=request.user, pk=case_pk)
    require(request, Perm.LICENCE_ISSUE, department=case.department)
    existing = Licence.objects.filter(case=case).only("pk").first()
    if existing is not None:
        messages.info(request, _("The licence of this case is already issued."))
        return redirect("licences_staff:licence_detail", pk=existing.pk)
    code = case.item.output_licence_type
    ltype = LicenceType.objects.select_related("issuer").filter(code=code).first() if code else None
    approved = case.status == Case.Status.CONCLUDED and case.result == Case.Result.APPROVED
    if ltype is None or not approved:
        messages.error(
            request,
            _("Only an approved, concluded case whose item outputs a known licence type gets a licence."),
        )
        return redirect("cases:staff_detail", pk=case.pk)
    initial = face_from_case(ltype, case)
    if request.method != "POST":
        form = FaceForm(ltype=ltype, initial=initial)
        status = 200
    else:
        # The face form carries what staff checked and completed; the button on the case page
        # carries nothing, and the case's own values are used.
        data = request.POST if request.POST.get("with_face") else {f"face-{k}": v for k, v in initial.items()}
        form = FaceForm(data, ltype=ltype)
        status = 400
        if form.is_valid():
            try:
                licence = case_services.case_issue_licence(
                    case_id=case.pk, actor=request.user, face=form.face(), request=request
                )
            except ApplicationError as exc:
                form.place_errors(exc)
                status = exc.status
            else:
                messages.success(request, _("Licence %(identifier)s was issued.") % {"identifier": licence.identifier})
                return redirect("licences_staff:licence_detail", pk=licence.pk)
    context = {"case": case, "ltype": ltype, "form": form, "holder": services.holder_of_case(case)}
    return render(request, "licences/work/issue.html", context, status=status)


# --- Look-up for a case ------------------------------------------------------------------------


@requires(Perm.CASE_VIEW)
def lookup(request: AuthedRequest) -> HttpResponse:
    """A licence looked up for a case the member of staff handles; no case, no look-up."""
    form = LookupForm(request.POST or None)
    licence = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            number = form.cleaned_data["case_number"]
            case = case_selectors.case_list_for_staff(user=request.user, number=number).filter(number=number).first()
            if case is None:
                form.add_error("case_number", _("None of the cases you handle has this number."))
            else:
                try:
                    licence = services.licence_staff_lookup(
                        actor=request.user,
                        identifier=form.cleaned_data["identifier"],
                        case=case,
                        reason=form.cleaned_data["reason"],
                        request=request,
                    )
                except ApplicationError as exc:
                    form.add_error("identifier", exc.message)
                else:
                    status = 200
    context: dict[str, Any] = {"form": form, "licence": licence}
    if licence is not None:
        context.update(face_rows=_face_rows(licence), verdict=verify_licence(licence))
    return render(request, "licences/work/lookup.html", context, status=status)


# --- Indicators 19 and 20 ----------------------------------------------------------------------


@requires(Perm.CASE_VIEW)
def indicators(request: AuthedRequest) -> HttpResponse:
    rows = []
    for number, name, value in (
        (19, _("E-licence use rate (电子证照用证率)"), selectors.e_licence_use_rate()),
        (20, _("Government e-seal coverage (政府部门电子印章覆盖率)"), selectors.e_seal_coverage()),
    ):
        rows.append({"number": number, "name": name, **value})
    items = selectors.items_accepting_licences().prefetch_related("materials")
    unknown = selectors.items_with_unknown_licence_types()
    return render(request, "licences/work/indicators.html", {"rows": rows, "items": items, "unknown": unknown})
