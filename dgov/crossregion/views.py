"""Pages of cross-region handling under /crossregion/: the window clerk's handovers (list, taking
in an application for another region's item, detail with history, receipt, sending again) and the
applicant's public look-up. Views parse, call one selector or service, render."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dgov.accounts.permissions import Perm, requires
from dgov.accounts.requests import AuthedRequest
from dgov.cases.uploads import ACCEPT_ATTRIBUTE, max_bytes
from dgov.catalog.formschema import form_fields
from dgov.catalog.models import ItemMaterial
from dgov.core.errors import ApplicationError
from dgov.core.masking import mask_id_number, mask_phone
from dgov.crossregion import selectors, services
from dgov.crossregion.forms import FilterForm, HandoverApplicantForm, LookupForm
from dgov.crossregion.models import Handover, RemoteItem


@requires(Perm.CROSSREGION_HANDOVER)
def handover_list(request: AuthedRequest) -> HttpResponse:
    """The handovers of the departments the clerk covers, newest first."""
    form = FilterForm(request.GET or None)
    values: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    handovers = selectors.handover_list_for_user(
        user=request.user, state=values.get("state", ""), number=values.get("number", "")
    )
    page = Paginator(handovers, 50).get_page(request.GET.get("page"))
    return render(request, "crossregion/list.html", {"form": form, "page": page})


@requires(Perm.CROSSREGION_HANDOVER)
def handover_new(request: AuthedRequest) -> HttpResponse:
    """Choose the region that handles the item, then the item."""
    department = request.user.department
    own = selectors.own_region_containing(department.region if department else None)
    peers = list(selectors.peers_for_handover(excluding=own))
    peer = None
    items: list[RemoteItem] = []
    query = request.GET.get("q", "").strip()[:50]
    peer_id = request.GET.get("peer", "")
    if peer_id.isdigit():
        peer = selectors.peer_get(pk=int(peer_id))
        items = list(selectors.remote_items_for(peer=peer, query=query)[:100])
    return render(request, "crossregion/new.html", {"peers": peers, "peer": peer, "items": items, "q": query})


def _material_rows(item: RemoteItem, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Rows for cases/_materials_upload.html, materials named by their position in the guide."""
    sources = dict(ItemMaterial.Source.choices)
    rows = []
    for m in item.materials:
        position = int(m["position"])
        rows.append(
            {
                "material": {
                    "pk": position,
                    "name": m["name"],
                    "condition": m.get("condition", ""),
                    "get_source_display": sources.get(m.get("source", ""), m.get("source", "")),
                },
                "upload": bool(m.get("upload")),
                "required": bool(m.get("required")),
                "online_form": m.get("source") == "applicant" and not m.get("upload"),
                "files": [],
                "errors": errors.get(f"material_{position}", []),
                "licences": [],
            }
        )
    return rows


def _uploads(request: HttpRequest) -> dict[int, list[Any]]:
    from dgov.cases.uploads import material_files

    return material_files(request.FILES)[0]


@requires(Perm.CROSSREGION_HANDOVER)
def handover_apply(request: AuthedRequest, peer_id: int, code: str) -> HttpResponse:
    """Take in an application for the peer's item and hand it over at once."""
    peer = selectors.peer_get(pk=peer_id)
    item = selectors.remote_item_get(peer=peer, code=code)
    applicant_form = HandoverApplicantForm(request.POST or None)
    names = item.form_schema.get("properties", {})
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    key = request.POST.get("idempotency_key", "")[:64] or uuid.uuid4().hex
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in names if name in request.POST}
        details = {f: request.POST.get(f"applicant-{f}", "") for f in ("name", "id_number", "phone")}
        try:
            handover = services.handover_create(
                actor=request.user,
                peer=peer,
                item=item,
                applicant_details=details,
                data=values,
                uploads=_uploads(request),
                idempotency_key=key,
                request=request,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            errors = exc.field_errors
            applicant_form.is_valid()
            for field, errs in errors.items():
                name = field.removeprefix("applicant-")
                if (
                    field.startswith("applicant-")
                    and name in applicant_form.fields
                    and not applicant_form.has_error(name)
                ):
                    for e in errs:
                        applicant_form.add_error(name, e)
        else:
            handover.refresh_from_db()
            if handover.state == Handover.State.FAILED:
                messages.error(request, _("The handling region did not take the application; see the reason below."))
            else:
                messages.success(
                    request,
                    _("Application %(number)s taken in and handed over. Print the receipt for the applicant.")
                    % {"number": handover.receipt_number},
                )
            return redirect("crossregion:detail", pk=handover.pk)
    fields = form_fields(item.form_schema)
    for f in fields:
        f["value"] = values.get(f["name"], "")
        f["errors"] = errors.get(f["name"], [])
        f["source"] = ""
    context = {
        "peer": peer,
        "item": item,
        "applicant_form": applicant_form,
        "fields": fields,
        "materials": _material_rows(item, errors),
        "general_errors": errors.get("__all__", []),
        "idempotency_key": key,
        "accept": ACCEPT_ATTRIBUTE,
        "max_bytes": max_bytes(),
    }
    return render(request, "crossregion/apply.html", context, status=400 if request.method == "POST" else 200)


def _masked(name: str, value: Any) -> Any:
    """Personal numbers in the form are shown masked (the clerk saw them in full at the counter)."""
    if name == "id_number" or name.endswith("_id_number"):
        return mask_id_number(str(value))
    if name == "phone" or name.endswith("_phone"):
        return mask_phone(str(value))
    return value


@requires(Perm.CROSSREGION_HANDOVER)
def handover_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    handover = selectors.handover_get_for_user(user=request.user, pk=pk)
    context = {
        "handover": handover,
        "events": selectors.handover_events(handover=handover),
        "files": handover.files.all(),
        "form_rows": [
            {"title": f["title"], "value": _masked(f["name"], handover.form_data[f["name"]])}
            for f in form_fields(handover.remote_item.form_schema)
            if f["name"] in handover.form_data
        ],
    }
    return render(request, "crossregion/detail.html", context)


@requires(Perm.CROSSREGION_HANDOVER)
def handover_receipt(request: AuthedRequest, pk: int) -> HttpResponse:
    """The receipt (受理回执) for the applicant, printable."""
    handover = selectors.handover_get_for_user(user=request.user, pk=pk)
    lookup_url = request.build_absolute_uri(reverse("crossregion:lookup"))
    return render(
        request,
        "crossregion/receipt.html",
        {"handover": handover, "files": handover.files.all(), "lookup_url": lookup_url},
    )


@require_POST
@requires(Perm.CROSSREGION_HANDOVER)
def handover_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    handover = selectors.handover_get_for_user(user=request.user, pk=pk)
    try:
        handover = services.handover_retry(actor=request.user, handover=handover, request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        handover.refresh_from_db()
        messages.info(request, _("Sent again: %(state)s.") % {"state": handover.state_label})
    return redirect("crossregion:detail", pk=pk)


def lookup(request: HttpRequest) -> HttpResponse:
    """Anyone: receipt number + verification code -> where the application stands, nothing personal."""
    form = LookupForm(request.POST or None)
    handover = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            handover = selectors.handover_lookup_public(
                number=form.cleaned_data["number"],
                code=form.cleaned_data["code"],
                client=request.META.get("REMOTE_ADDR", ""),
            )
        except PermissionError:
            form.add_error(None, _("Too many failed look-ups from this address; please try again in ten minutes."))
            status = 429
        else:
            if handover is None:
                form.add_error(None, _("No application matches this receipt number and verification code."))
                status = 404
    events = selectors.handover_public_events(handover=handover) if handover else []
    return render(
        request, "crossregion/lookup.html", {"form": form, "handover": handover, "events": events}, status=status
    )
