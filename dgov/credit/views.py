"""Staff pages of the credit lists under /credit/: the list with filters, an entry with the checks
that found it, listing a subject by hand or by CSV import, withdrawing an entry, and a look-up
that records a check. Reading needs ``Perm.CREDIT_VIEW``, keeping ``Perm.CREDIT_MANAGE`` for the
entry's department (see dgov.credit.selectors). Views parse, call one selector or service, render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dgov.accounts.permissions import Perm, requires
from dgov.accounts.requests import AuthedRequest
from dgov.core.errors import ApplicationError
from dgov.credit import selectors, services
from dgov.credit.forms import CheckForm, EntryForm, FilterForm, ImportForm, WithdrawForm, place_errors
from dgov.credit.models import MEASURES_BY_LIST, CheckPurpose, CreditEntry, Measure
from dgov.credit.services import CSV_COLUMNS, CSV_REQUIRED, MatchedEntry


@requires(Perm.CREDIT_VIEW)
def entry_list(request: AuthedRequest) -> HttpResponse:
    """The red and black lists: filters by list, subject kind, state, and name or exact key."""
    form = FilterForm(request.GET or None)
    values: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    entries = selectors.entry_list_for_user(
        user=request.user,
        list_kind=values.get("list_kind", ""),
        subject_kind=values.get("subject_kind", ""),
        state=values.get("state", ""),
        q=values.get("q", ""),
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "form": form,
        "page": page,
        "rows": [{"entry": e, "state": e.state_on(today)} for e in page],
        "can_manage": selectors.departments_for_manager(request.user).exists(),
    }
    return render(request, "credit/list.html", context)


def _detail(
    request: AuthedRequest, entry: CreditEntry, *, withdraw_form: WithdrawForm | None = None, status: int = 200
) -> HttpResponse:
    can_manage = selectors.can_manage(request.user, entry)
    rows = []
    for check in selectors.checks_of_entry(entry=entry)[:200]:
        seen = next((MatchedEntry.from_snapshot(r) for r in check.snapshot if r.get("id") == entry.pk), None)
        rows.append({"check": check, "seen": seen})
    context = {
        "entry": entry,
        "state": entry.state,
        "can_manage": can_manage,
        # Managers of the entry's department see the key in full (a person's is a recorded read).
        "key_shown": services.credit_entry_key_read(actor=request.user, entry=entry, request=request)
        if can_manage
        else entry.key_masked,
        "withdraw_form": (withdraw_form or WithdrawForm())
        if can_manage and entry.status == CreditEntry.Status.ACTIVE
        else None,
        "check_rows": rows,
    }
    return render(request, "credit/detail.html", context, status=status)


@requires(Perm.CREDIT_VIEW)
def entry_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.entry_get_for_user(user=request.user, pk=pk))


@requires(Perm.CREDIT_MANAGE)
@require_POST
def entry_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    """Withdraw an entry of a department the member of staff keeps (POST, reason required)."""
    entry = selectors.entry_get_for_user(user=request.user, pk=pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the marked fields."))
        return _detail(request, entry, withdraw_form=form, status=400)
    try:
        services.credit_entry_withdraw(
            actor=request.user, entry=entry, reason=form.cleaned_data["reason"], request=request
        )
    except ApplicationError as exc:
        place_errors(form, exc)
        messages.error(request, exc.message)
        return _detail(request, entry, withdraw_form=form, status=exc.status)
    messages.success(request, _("The entry was withdrawn. It stays in the history."))
    return redirect("credit:detail", pk=entry.pk)


def _measure_groups() -> list[dict[str, Any]]:
    labels = dict(Measure.choices)
    return [{"list": kind, "measures": [(m, labels[m]) for m in ms]} for kind, ms in MEASURES_BY_LIST.items()]


@requires(Perm.CREDIT_MANAGE)
def entry_create(request: AuthedRequest) -> HttpResponse:
    """List a subject by hand."""
    departments = selectors.departments_for_manager(request.user)
    form = EntryForm(request.POST or None)
    form.limit_departments(departments)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = services.credit_entry_create(
                    actor=request.user,
                    department=data["department"],
                    list_kind=data["list_kind"],
                    subject_kind=data["subject_kind"],
                    subject_key=data["subject_key"],
                    subject_name=data["subject_name"],
                    measures=data["measures"],
                    measure_note=data["measure_note"],
                    authority=data["authority"],
                    document_number=data["document_number"],
                    reason=data["reason"],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                    request=request,
                )
            except ApplicationError as exc:
                place_errors(form, exc)
                status = exc.status
            else:
                messages.success(request, _("The subject was listed."))
                return redirect("credit:detail", pk=entry.pk)
        messages.error(request, _("Please correct the marked fields."))
    return render(request, "credit/create.html", {"form": form, "measure_groups": _measure_groups()}, status=status)


@requires(Perm.CREDIT_MANAGE)
def entry_import(request: AuthedRequest) -> HttpResponse:
    """List many subjects from a CSV file: all rows or none, with every row's errors."""
    departments = selectors.departments_for_manager(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    form.limit_departments(departments)
    row_errors: list[dict[str, Any]] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created = services.credit_entry_import(
                    actor=request.user,
                    department=form.cleaned_data["department"],
                    content=form.cleaned_data["file"].read(),
                    request=request,
                )
            except ApplicationError as exc:
                status = exc.status
                form.add_error(None, exc.message)
                for key, errs in exc.field_errors.items():
                    if key == "file":
                        for e in errs:
                            form.add_error("file", e)
                        continue
                    _rows, line, column = [*key.split(".", 2), "", ""][:3]
                    row_errors.extend({"line": line, "column": column, "message": e} for e in errs)
            else:
                messages.success(request, _("%(n)d entries were imported.") % {"n": len(created)})
                return redirect("credit:list")
    row_errors.sort(key=lambda r: (int(r["line"]) if str(r["line"]).isdigit() else 0, r["column"]))
    context = {
        "form": form,
        "row_errors": row_errors,
        "columns": [{"name": c, "required": c in CSV_REQUIRED} for c in CSV_COLUMNS],
        "measure_groups": _measure_groups(),
    }
    return render(request, "credit/import.html", context, status=status)


@requires(Perm.CREDIT_VIEW)
def check(request: AuthedRequest) -> HttpResponse:
    """Look a subject up against the lists in force; the look-up is recorded as a check."""
    form = CheckForm(request.POST or None)
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.credit_check(
                    subject_kind=data["subject_kind"],
                    key=data["subject_key"],
                    item_code=data["item_code"],
                    case_number=data["case_number"],
                    actor=request.user,
                    purpose=CheckPurpose.MANUAL,
                    request=request,
                )
            except ApplicationError as exc:
                place_errors(form, exc)
                status = exc.status
        else:
            status = 400
    return render(request, "credit/check.html", {"form": form, "result": result}, status=status)
