"""Pages of 一件事: the list and guides, applying with one form, "my bundle applications", the
receipt, the comprehensive window and the catalogue administrator's pages. Views parse the
request, call one service or selector, render."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from functools import wraps
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dgov.accounts.permissions import Perm, has_perm, requires
from dgov.accounts.requests import AuthedRequest
from dgov.audit import record
from dgov.bundles import selectors, services
from dgov.bundles.forms import BundleForm
from dgov.bundles.merging import MergedForm, merge
from dgov.bundles.models import Bundle, BundleCase
from dgov.cases import prefill
from dgov.cases import services as cases
from dgov.cases.forms import WindowApplicantForm
from dgov.cases.models import Channel
from dgov.cases.uploads import ACCEPT_ATTRIBUTE, material_files, max_bytes
from dgov.catalog.formschema import form_fields
from dgov.catalog.models import ServiceItem
from dgov.core.errors import ApplicationError
from dgov.esign.selectors import signing_context
from dgov.esign.services import signature_input_from_post

# --- Helpers ----------------------------------------------------------------------------------


def _form_values(request: HttpRequest, merged: MergedForm) -> dict[str, Any]:
    return {name: request.POST.get(name, "") for name in merged.schema["properties"] if name in request.POST}


def _licence_choices(request: HttpRequest, merged: MergedForm) -> dict[int, int]:
    """The wallet licences chosen for licence-sourced merged materials (``licence_<key>``)."""
    chosen: dict[int, int] = {}
    for m in merged.materials:
        value = request.POST.get(f"licence_{m.key}", "")
        if m.is_licence and value.isdigit():
            chosen[m.key] = int(value)
    return chosen


def _stamps(request: HttpRequest) -> dict[str, str]:
    """The registry-prefill stamps of the items (each is signed; this only carries them)."""
    try:
        value = json.loads(request.POST.get("prefill_stamps", "") or "{}")
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def _material_rows(
    merged: MergedForm, errors: dict[str, list[str]], *, wallet_user: Any = None, chosen: dict[int, int] | None = None
) -> list[dict[str, Any]]:
    from dgov.licences.selectors import licences_usable_for

    return [
        {
            "material": m.material,
            "upload": m.upload,
            "required": m.required,
            "online_form": False,
            "files": [],
            "errors": errors.get(f"material_{m.key}", []) + errors.get(f"licence_{m.key}", []),
            # The applicant's own licences that can stand in for this material (用证).
            "licences": licences_usable_for(user=wallet_user, type_code=m.material.source_ref)
            if wallet_user is not None and m.is_licence
            else [],
            "chosen": (chosen or {}).get(m.key),
            "items": m.items,
        }
        for m in merged.materials
    ]


def _apply_context(
    bundle: Bundle,
    merged: MergedForm,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    key: str,
    *,
    wallet_user: Any = None,
    chosen: dict[int, int] | None = None,
    prefilled: dict[str, str] | None = None,
    post: Any = None,
    **extra: Any,
) -> dict[str, Any]:
    fields = form_fields(merged.schema)
    for f in fields:
        f["value"] = values.get(f["name"], "")
        f["errors"] = errors.get(f["name"], [])
        f["source"] = (prefilled or {}).get(f["name"], "")
    return {
        "bundle": bundle,
        "merged": merged,
        "fields": fields,
        "materials": _material_rows(merged, errors, wallet_user=wallet_user, chosen=chosen),
        "signing": signing_context(
            subject=bundle.code,
            applicant=wallet_user,
            needs_seal=any(item.e_seal for item in merged.items),
            needs_signature=any(item.e_signature for item in merged.items),
            post=post,
            errors=errors,
        )
        if wallet_user is not None
        else None,
        "general_errors": errors.get("__all__", []),
        "idempotency_key": key,
        "accept": ACCEPT_ATTRIBUTE,
        "max_bytes": max_bytes(),
        **extra,
    }


def _online(item: ServiceItem) -> bool:
    return (
        bool(item.form_schema)
        and ServiceItem.Channel.ONLINE in item.channels
        and item.online_depth >= ServiceItem.OnlineDepth.APPLY
    )


# --- Public pages -------------------------------------------------------------------------------


def bundle_list(request: HttpRequest) -> HttpResponse:
    """Every published bundle, by life event."""
    life_event = request.GET.get("life_event", "")[:32]
    bundles = list(selectors.bundle_list_published(life_event=life_event))
    groups = [(event, list(rows)) for event, rows in groupby(bundles, key=lambda b: b.life_event)]
    return render(request, "bundles/list.html", {"groups": groups, "life_event": life_event})


def guide(request: HttpRequest, code: str) -> HttpResponse:
    """The guide of a bundle: its items and departments, the merged materials, the longest promised time."""
    bundle = selectors.bundle_get_published(code=code)
    unavailable: list[str] = []
    try:
        merged = selectors.bundle_form(bundle)
    except ApplicationError as exc:
        unavailable = [exc.message, *exc.field_errors.get("__all__", [])]
        items, _missing = selectors.published_items(bundle.item_codes)
        merged = merge(items)[0]
    return render(
        request,
        "bundles/guide.html",
        {
            "bundle": bundle,
            "merged": merged,
            "fields": form_fields(merged.schema),
            "materials": _material_rows(merged, {}),
            "unavailable": unavailable,
            "can_apply_online": not unavailable and all(_online(i) for i in merged.items),
            "can_window": has_perm(request.user, Perm.CASE_WINDOW),
        },
    )


@login_required
def apply(request: AuthedRequest, code: str) -> HttpResponse:
    """The one application form of a bundle: fill in once, upload once, submit once."""
    bundle = selectors.bundle_get_published(code=code)
    user = request.user
    try:
        merged = selectors.bundle_form(bundle)
    except ApplicationError as exc:
        reasons = [exc.message, *exc.field_errors.get("__all__", [])]
        return render(request, "bundles/cannot_apply.html", {"bundle": bundle, "reasons": reasons}, status=409)
    if request.method == "POST":
        values = _form_values(request, merged)
        chosen = _licence_choices(request, merged)
        key = request.POST.get("idempotency_key", "")[:64]
        stamps = _stamps(request)
        try:
            parent = services.bundle_submit(
                actor=user,
                bundle=bundle,
                data=values,
                uploads=material_files(request.FILES)[0],
                licences=chosen,
                idempotency_key=key,
                prefill_stamps=stamps,
                signature=signature_input_from_post(request.POST),
                request=request,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            context = _apply_context(
                bundle,
                merged,
                values,
                exc.field_errors,
                key,
                post=request.POST,
                wallet_user=user,
                chosen=chosen,
                refused=True,
                prefill_stamps=json.dumps(stamps),
            )
            return render(request, "bundles/apply.html", context, status=400)
        messages.success(request, _("Your application was submitted. Keep the case number and verification code."))
        return redirect("bundles:mine_detail", pk=parent.pk)
    reasons = []
    for item in merged.items:
        try:
            cases.check_can_apply(item=item, applicant=user, channel=Channel.ONLINE)
        except ApplicationError as exc:
            reasons.append(f"{item.label}：{exc.message}")
    if reasons:
        return render(request, "bundles/cannot_apply.html", {"bundle": bundle, "reasons": reasons}, status=403)
    known_values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    known_stamps: dict[str, str] = {}
    for item in merged.items:
        known = prefill.prefill(applicant=user, item=item)
        for name, value in known.values.items():
            known_values.setdefault(name, value)
            sources.setdefault(name, known.sources.get(name, ""))
        if known.stamp:
            known_stamps[item.code] = known.stamp
    context = _apply_context(
        bundle,
        merged,
        known_values,
        {},
        uuid.uuid4().hex,
        wallet_user=user,
        prefilled=sources,
        prefill_stamps=json.dumps(known_stamps) if known_stamps else "",
    )
    return render(request, "bundles/apply.html", context)


# --- The applicant's bundle applications ------------------------------------------------------


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    page = Paginator(selectors.bundle_case_list_for_applicant(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "bundles/mine.html", {"page": page})


def _detail_context(parent: BundleCase) -> dict[str, Any]:
    rows = selectors.bundle_case_children(parent=parent)
    schema = merge([r.case.item for r in rows])[0].schema
    data = parent.form_data
    return {
        "parent": parent,
        "rows": rows,
        "done": sum(1 for r in rows if r.granted or r.not_granted),
        "licences": [r.licence for r in rows if r.licence is not None],
        "remaining": [r for r in rows if not r.granted and not r.not_granted],
        "not_granted": [r for r in rows if r.not_granted],
        "fields": [{**f, "value": data.get(f["name"], "")} for f in form_fields(schema)],
    }


@login_required
def mine_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """One status and one set of results for the whole bundle, with each item's case."""
    parent = selectors.bundle_case_get_for_applicant(user=request.user, pk=pk)
    return render(request, "bundles/mine_detail.html", _detail_context(parent))


def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The acceptance receipt of a bundle (受理回执), printable: for the applicant and for staff
    who cover every child's department."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    parent = selectors.bundle_case_get_for_user(user=request.user, pk=pk)
    context = _detail_context(parent)
    context["lookup_url"] = request.build_absolute_uri(reverse("cases:lookup"))
    return render(request, "bundles/receipt.html", context)


# --- The comprehensive window -------------------------------------------------------------------


@requires(Perm.CASE_WINDOW)
def window(request: AuthedRequest) -> HttpResponse:
    """一窗受理 of bundles: each published bundle, and the departments the clerk's role misses."""
    rows = []
    for bundle in selectors.bundle_list_published():
        items, _missing = selectors.published_items(bundle.item_codes)
        rows.append({"bundle": bundle, "missing": selectors.departments_not_covered(request.user, items)})
    return render(request, "bundles/window.html", {"rows": rows})


def _window_refused(request: AuthedRequest, bundle: Bundle, message: str) -> HttpResponse:
    return render(request, "bundles/window_refused.html", {"bundle": bundle, "message": message}, status=403)


@requires(Perm.CASE_WINDOW)
def window_apply(request: AuthedRequest, code: str) -> HttpResponse:
    """Enter a bundle at the window for a citizen or an enterprise, then print the receipt."""
    bundle = selectors.bundle_get_published(code=code)
    try:
        merged = selectors.bundle_form(bundle)
    except ApplicationError as exc:
        reasons = [exc.message, *exc.field_errors.get("__all__", [])]
        return render(request, "bundles/cannot_apply.html", {"bundle": bundle, "reasons": reasons}, status=409)
    missing = selectors.departments_not_covered(request.user, merged.items)
    if missing:
        record(
            actor=request.user,
            action="access.denied",
            target=bundle,
            detail={"action": "bundle.window_submit", "departments": [d.code for d in missing]},
            request=request,
        )
        return _window_refused(request, bundle, services.window_refusal(missing))
    applicant_form = WindowApplicantForm(request.POST or None)
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    key = request.POST.get("idempotency_key", "")[:64] or uuid.uuid4().hex
    if request.method == "POST":
        values = _form_values(request, merged)
        if applicant_form.is_valid():
            try:
                parent = services.window_bundle_submit(
                    actor=request.user,
                    bundle=bundle,
                    applicant_details=applicant_form.cleaned_data,
                    data=values,
                    uploads=material_files(request.FILES)[0],
                    idempotency_key=key,
                    request=request,
                )
            except PermissionDenied as exc:
                return _window_refused(request, bundle, str(exc))
            except ApplicationError as exc:
                messages.error(request, exc.message)
                errors = exc.field_errors
                for field, errs in errors.items():
                    if field in applicant_form.fields:
                        for e in errs:
                            applicant_form.add_error(field, e)
            else:
                messages.success(
                    request,
                    _("Case %(number)s entered. Print the receipt for the applicant.") % {"number": parent.number},
                )
                return redirect("bundles:receipt", pk=parent.pk)
    context = _apply_context(bundle, merged, values, errors, key, applicant_form=applicant_form, window=True)
    return render(request, "bundles/window_apply.html", context, status=400 if request.method == "POST" else 200)


# --- The catalogue administrator's pages ------------------------------------------------------------


def manager_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in required, then the district's catalogue administrator (else 403, recorded)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not selectors.is_bundle_manager(request.user):
            record(
                actor=request.user,
                action="access.denied",
                detail={"perm": str(Perm.CATALOG_MANAGE), "path": request.path},
                request=request,
            )
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _form_errors(form: BundleForm, exc: ApplicationError) -> None:
    for field, errs in exc.field_errors.items():
        for e in errs:
            form.add_error(field if field in form.fields else None, e)
    if not exc.field_errors:
        form.add_error(None, exc.message)


@manager_required
def manage(request: AuthedRequest) -> HttpResponse:
    bundles = selectors.bundle_list_for_manager(user=request.user)
    return render(request, "bundles/manage.html", {"bundles": bundles})


@manager_required
def manage_new(request: AuthedRequest) -> HttpResponse:
    form = BundleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            bundle = services.bundle_create(actor=request.user, content=form.content(), request=request)
        except ApplicationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("bundles:manage_edit", pk=bundle.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "bundles/manage_edit.html", {"form": form, "bundle": None}, status=status)


@manager_required
def manage_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """A bundle: edit it while it is a draft; see its merged form; publish, withdraw or reopen it."""
    bundle = selectors.bundle_get_for_manager(user=request.user, pk=pk)
    form = BundleForm(request.POST or None, bundle=bundle)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                bundle = services.bundle_update(
                    actor=request.user, bundle=bundle, content=form.content(), request=request
                )
            except ApplicationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("The draft is saved."))
                return redirect("bundles:manage_edit", pk=bundle.pk)
        status = 400
    items, missing = selectors.published_items(bundle.item_codes)
    merged, conflicts = merge(items)
    return render(
        request,
        "bundles/manage_edit.html",
        {
            "form": form,
            "bundle": bundle,
            "merged": merged,
            "fields": form_fields(merged.schema),
            "materials": _material_rows(merged, {}),
            "problems": [_("No published item has the code %(code)s.") % {"code": c} for c in missing] + conflicts,
        },
        status=status,
    )


@manager_required
@require_POST
def manage_action(request: AuthedRequest, pk: int) -> HttpResponse:
    bundle = selectors.bundle_get_for_manager(user=request.user, pk=pk)
    actions = {
        "publish": (services.bundle_publish, _("The bundle is published.")),
        "withdraw": (services.bundle_withdraw, _("The bundle is withdrawn.")),
        "reopen": (services.bundle_reopen, _("The bundle is a draft again.")),
    }
    chosen = actions.get(request.POST.get("action", ""))
    if chosen is None:
        raise Http404
    action, done = chosen
    try:
        action(actor=request.user, bundle=bundle, request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        for errs in exc.field_errors.values():
            for e in errs:
                messages.error(request, e)
    else:
        messages.success(request, done)
    return redirect("bundles:manage_edit", pk=bundle.pk)
