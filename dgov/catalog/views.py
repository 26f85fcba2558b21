"""The public guide pages (/services/) and the department managers' pages (/services/manage/)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dgov.accounts.requests import AuthedRequest
from dgov.audit import record
from dgov.catalog import exchange, exemptions, selectors, services
from dgov.catalog.content import ItemContent
from dgov.catalog.forms import ImportForm, ItemSearchForm, WithdrawForm
from dgov.catalog.formschema import form_fields
from dgov.catalog.models import ServiceItem
from dgov.core.errors import ApplicationError

PAGE_SIZE = 20


# --- Public -------------------------------------------------------------------------------------


def item_list(request: HttpRequest) -> HttpResponse:
    form = ItemSearchForm(request.GET or None)
    filters = form.filters()
    items = selectors.item_list_published(
        query=filters.get("q", ""),
        department=filters.get("department", ""),
        kind=filters.get("kind", ""),
        life_event=filters.get("life_event", ""),
        subject=filters.get("subject", ""),
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/list.html",
        {
            "form": form,
            "page": page,
            "searching": bool(filters),
            "is_manager": selectors.is_catalogue_manager(request.user),
        },
    )


def _guide_context(item: ServiceItem) -> dict[str, Any]:
    return {
        "item": item,
        "exemptions": exemptions.for_item(item),
        "form_fields": form_fields(item.form_schema),
        "can_apply_online": item.status == ServiceItem.Status.PUBLISHED
        and bool(item.form_schema)
        and ServiceItem.Channel.ONLINE in item.channels
        and item.online_depth >= ServiceItem.OnlineDepth.APPLY,
    }


def item_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        item = selectors.item_get_published(code=code)
    except selectors.ItemWithdrawn as gone:
        return render(request, "catalog/withdrawn.html", {"item": gone.item}, status=410)
    return render(request, "catalog/detail.html", _guide_context(item))


# --- Managers -----------------------------------------------------------------------------------


def manager_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in required, then department administrator of at least one department (else 403, recorded)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not selectors.is_catalogue_manager(request.user):
            record(
                actor=request.user,
                action="access.denied",
                detail={"perm": "catalog.manage", "path": request.path},
                request=request,
            )
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@manager_required
def manage_home(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    items = selectors.item_list_for_manager(user=request.user, status=status)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/manage.html",
        {
            "page": page,
            "status": status,
            "statuses": ServiceItem.Status.choices,
            "departments": selectors.managed_departments(request.user),
        },
    )


@manager_required
def manage_item(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.item_get_for_manager(user=request.user, pk=pk)
    versions = selectors.item_versions(item)
    return render(
        request,
        "catalog/manage_item.html",
        {
            **_guide_context(item),
            "managing": True,
            "versions": versions,
            "has_draft": any(v.status == ServiceItem.Status.DRAFT for v in versions),
            "withdraw_form": WithdrawForm(),
        },
    )


def _act(request: AuthedRequest, pk: int, action: Callable[[ServiceItem], ServiceItem], done: str) -> HttpResponse:
    item = selectors.item_get_for_manager(user=request.user, pk=pk)
    try:
        result = action(item)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("catalog:manage_item", pk=item.pk)
    messages.success(request, done)
    return redirect("catalog:manage_item", pk=result.pk)


@manager_required
@require_POST
def manage_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda item: services.item_publish(actor=request.user, item=item, request=request),
        _("The version is published."),
    )


@manager_required
@require_POST
def manage_new_version(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda item: services.item_new_version(actor=request.user, item=item, request=request),
        _("A new draft version was made. Export the drafts, edit them and import the file to change it."),
    )


@manager_required
@require_POST
def manage_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the item is withdrawn."))
        return redirect("catalog:manage_item", pk=pk)
    return _act(
        request,
        pk,
        lambda item: services.item_withdraw(
            actor=request.user, item=item, reason=form.cleaned_data["reason"], request=request
        ),
        _("The item is withdrawn."),
    )


@manager_required
def manage_import(request: AuthedRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors: list[exchange.RowError] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if form.file_format == "json":
                parsed = exchange.read_json(upload)
            else:
                parsed = exchange.read_xlsx(upload, exchange.Names.load())
            result = services.catalog_import(
                actor=request.user, parsed=parsed, publish=form.cleaned_data["publish"], request=request
            )
        except services.CatalogImportError as exc:
            row_errors = exc.rows
            form.add_error(None, exc.message)
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            counts = result.as_dict()
            messages.success(
                request,
                _("Imported: %(created)d new, %(changed)d changed, %(published)d published, %(unchanged)d unchanged.")
                % counts,
            )
            return redirect("catalog:manage")
    return render(request, "catalog/import.html", {"form": form, "row_errors": row_errors})


@manager_required
def manage_export(request: AuthedRequest) -> HttpResponse:
    """The managed departments' items as XLSX or JSON: published, or (drafts=1) drafts where there are any."""
    file_format = "json" if request.GET.get("format") == "json" else "xlsx"
    include_drafts = request.GET.get("drafts") == "1"
    departments = list(selectors.managed_departments(request.user).values_list("pk", flat=True))
    contents = [
        ItemContent.from_item(i)
        for i in selectors.items_for_export(department_ids=departments, include_drafts=include_drafts)
    ]
    record(
        actor=request.user,
        action="catalog.export",
        detail={"format": file_format, "drafts": include_drafts, "items": len(contents)},
        request=request,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if file_format == "json":
        body = exchange.write_json(contents)
        content_type = "application/json"
    else:
        body = exchange.write_xlsx(contents, exchange.Names.load())
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="catalogue-{stamp}.{file_format}"'
    return response
