"""Staff pages of the 12345 hotline: the operator's call console, the ticket queues and the ticket
page with the actions the person may take on it now.

Every action is a POST to its own view that calls one service and redirects back to the ticket with
a message. A refused rule shows its message, with field errors next to the fields (400); a state
that changed under the person (ConflictError) is a message; a refused permission is a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dgov.accounts.models import Department
from dgov.accounts.permissions import Perm, has_perm, requires
from dgov.accounts.requests import AuthedRequest
from dgov.core.errors import ApplicationError, ConflictError
from dgov.core.workdays import calendar_load
from dgov.hotline import selectors, services
from dgov.hotline.forms_staff import (
    AssistReplyForm,
    CallbackForm,
    CallForm,
    CloseForm,
    DispatchForm,
    ExtensionDecideForm,
    ExtensionRequestForm,
    MergeForm,
    QueueFilterForm,
    ReplyForm,
    ReturnForm,
    ReturnReviewForm,
    SignForm,
    add_service_errors,
)
from dgov.hotline.models import Assignment, Ticket
from dgov.ratings.models import FACES
from dgov.ratings.rules import RatingInput
from dgov.workflow.sla import deadline_state

PAGE_SIZE = 25
LAST_CALL = "hotline_last_call"
S = Ticket.Status
A = Assignment.State


# --- The call console -----------------------------------------------------------------------------


def _call_input(data: dict[str, Any]) -> services.TicketInput:
    return services.TicketInput(
        type=data["type"],
        urgency=data["urgency"],
        description=data["description"],
        title=data["title"],
        anonymous=data["anonymous"],
        caller_name=data["caller_name"],
        caller_phone=data["caller_phone"],
        confidential=data["confidential"],
        address=data["address"],
        latitude=data["latitude"],
        longitude=data["longitude"],
        category_code=data["category"],
    )


def _call_hints(post: Any) -> dict[str, Any]:
    """The console's hints for what has been typed (post: the form's data, possibly partial)."""
    return selectors.call_hints(
        description=str(post.get("description", "")),
        title=str(post.get("title", "")),
        address=str(post.get("address", "")),
        category_code=str(post.get("category", "")),
        ticket_type=str(post.get("type", "")),
    )


@requires(Perm.HOTLINE_TAKE)
def call(request: AuthedRequest) -> HttpResponse:
    """受理: the operator registers a call, and dispatches it or answers it on the call."""
    form = CallForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.ticket_register(
                    actor=request.user,
                    channel=Ticket.Channel.PHONE,
                    data=_call_input(data),
                    dispatch_to=data["department"],
                    assist=list(data["assist"]),
                    answered_from=data["answered_from"],
                    request=request,
                )
            except ApplicationError as exc:
                add_service_errors(form, exc.field_errors, exc.message)
                messages.error(request, exc.message)
            else:
                request.session[LAST_CALL] = ticket.pk
                return redirect("hotline:call_done", pk=ticket.pk)
        else:
            messages.error(request, _("The ticket was not registered: please correct the marked fields."))
        hints = _call_hints(request.POST)
        return render(request, "hotline/staff/call.html", {"form": form, **hints}, status=400)
    return render(request, "hotline/staff/call.html", {"form": form, **_call_hints({})})


@requires(Perm.HOTLINE_TAKE)
@require_POST
def call_suggest(request: AuthedRequest) -> HttpResponse:
    """The live hints of the console (an htmx partial), for what has been typed so far."""
    return render(request, "hotline/staff/_call_hints.html", {**_call_hints(request.POST), "live": True})


@requires(Perm.HOTLINE_TAKE)
def call_done(request: AuthedRequest, pk: int) -> HttpResponse:
    """The number and follow-up code to read to the caller; the code only to the operator who
    just registered the call (it is the caller's key to the public follow-up)."""
    ticket = selectors.ticket_get_for_user(user=request.user, pk=pk)
    just_taken = request.session.get(LAST_CALL) == ticket.pk
    return render(request, "hotline/staff/call_done.html", {"ticket": ticket, "show_code": just_taken})


# --- Queues ---------------------------------------------------------------------------------------

# The hotline centre's views of the ticket list: tab -> the filters it sets.
CENTRE_TABS: list[tuple[str, Any, dict[str, str]]] = [
    ("registered", gettext_lazy("Awaiting dispatch"), {"status": S.REGISTERED}),
    ("returned", gettext_lazy("Returned"), {"status": S.RETURNED}),
    ("extensions", gettext_lazy("Extension requests"), {"extension": "pending"}),
    ("replied", gettext_lazy("Awaiting callback"), {"status": S.REPLIED}),
    ("overdue", gettext_lazy("Overdue"), {"deadline": "overdue"}),
    ("all", gettext_lazy("All tickets"), {}),
]
# A department's queue (department_queue): tab -> the assignments shown.
DEPARTMENT_TABS: list[tuple[str, Any]] = [
    ("sign", gettext_lazy("To sign for")),
    ("handling", gettext_lazy("Being handled")),
    ("late", gettext_lazy("Overdue")),
]
DEPARTMENT_TAB_FILTERS: dict[str, dict[str, Any]] = {
    "sign": {"state": A.DISPATCHED},
    "handling": {"state": A.SIGNED},
    "late": {"overdue": True},
}
FILTERS = ("status", "category", "department", "deadline", "extension")


def _flags(ticket: Ticket, calendar: Any) -> dict[str, str]:
    """Deadline flags (overdue / due_soon / on_time / none) of the clocks that run now."""
    sign = deadline_state(ticket.sign_due_at, calendar=calendar) if ticket.status == S.DISPATCHED else "none"
    reply = deadline_state(ticket.due_at, calendar=calendar) if ticket.status in Ticket.WITH_DEPARTMENT else "none"
    worst = next((f for f in ("overdue", "due_soon") if f in (sign, reply)), "none")
    return {"sign": str(sign), "reply": str(reply), "row": worst}


def _tabs(params: Any, *, centre: bool, departments: list[Department], tab: str, unit: Department | None) -> list[Any]:
    """The queue's tabs for this person: the department's queue, then the centre's lists (or,
    for a department, all its tickets); which one is showing."""
    tabs = []
    for department in departments:
        for name, label in DEPARTMENT_TABS:
            shown = f"{label} · {department.label}" if len(departments) > 1 else str(label)
            query = urlencode({"tab": name, "unit": str(department.pk)})
            tabs.append({"label": shown, "url": f"?{query}", "current": tab == name and unit == department})
    for _name, label, preset in CENTRE_TABS if centre else CENTRE_TABS[-1:]:
        current = tab == "" and all(params.get(k, "") == preset.get(k, "") for k in FILTERS)
        tabs.append({"label": str(label), "url": f"?{urlencode(preset or {'tab': 'all'})}", "current": current})
    return tabs


@requires(Perm.HOTLINE_VIEW)
def queue(request: AuthedRequest) -> HttpResponse:
    """The tickets the person works on: a department's queue to sign for and to handle, and the
    centre's lists (awaiting dispatch, returned, extensions, callbacks, overdue, all; filterable).
    Leaders read the centre's lists."""
    user = request.user
    centre = selectors.sees_all_tickets(user)
    departments = list(Department.objects.filter(pk__in=selectors.handling_departments(user)).order_by("code"))
    tab = request.GET.get("tab", "")
    if tab not in dict(DEPARTMENT_TABS) or not departments:
        # A department's handler starts on what waits for signing; "all" (and any filter) is the list.
        filtered = tab == "all" or any(request.GET.get(k) for k in FILTERS)
        tab = "sign" if departments and not centre and not filtered else ""
    now = timezone.now()
    calendar = calendar_load()
    context: dict[str, Any] = {"can_take": has_perm(user, Perm.HOTLINE_TAKE), "tab": tab}
    if tab:
        unit = next((d for d in departments if str(d.pk) == request.GET.get("unit")), departments[0])
        assignments = selectors.department_queue(user=user, department=unit, now=now, **DEPARTMENT_TAB_FILTERS[tab])
        part_page = Paginator(assignments, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [{"assignment": a, "ticket": a.ticket, "flags": _flags(a.ticket, calendar)} for a in part_page]
        context.update(unit=unit, page=part_page, rows=rows)
    else:
        unit = None
        form = QueueFilterForm(request.GET or None)
        f = form.cleaned_data if form.is_valid() else {}
        tickets = selectors.ticket_list_for_user(
            user=user,
            status=f.get("status") or None,
            department=f.get("department"),
            category=f.get("category"),
            deadline=f.get("deadline") or None,
            extension_pending=f.get("extension") == "pending",
            now=now,
        )
        ticket_page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [{"ticket": t, "flags": _flags(t, calendar)} for t in ticket_page]
        context.update(form=form, page=ticket_page, rows=rows)
    context["tabs"] = _tabs(request.GET, centre=centre, departments=departments, tab=tab, unit=unit)
    return render(request, "hotline/staff/queue.html", context)


# --- The ticket page ------------------------------------------------------------------------------

# Each action's form, by the name the page and the POST views use (also the forms' prefix).
ACTION_FORMS: dict[str, type[forms.Form]] = {
    "dispatch": DispatchForm,
    "merge": MergeForm,
    "sign": SignForm,
    "return": ReturnForm,
    "review": ReturnReviewForm,
    "extension": ExtensionRequestForm,
    "decide": ExtensionDecideForm,
    "assist": AssistReplyForm,
    "reply": ReplyForm,
    "callback": CallbackForm,
    "close": CloseForm,
}


def _ticket_page(
    request: AuthedRequest, ticket: Ticket, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    actions = selectors.ticket_actions_for_user(user, ticket)
    can, assignments, duplicates = actions.allowed, actions.assignments, actions.duplicates
    bound = bound or {}
    action_forms: dict[str, forms.Form] = {}
    for name, form_class in ACTION_FORMS.items():
        if not can[name]:
            continue
        if name in bound:
            action_forms[name] = bound[name]
            continue
        kwargs: dict[str, Any] = {"prefix": name}
        if name == "merge":
            kwargs["duplicates"] = duplicates
        if name == "dispatch":
            category = ticket.category or ticket.suggested_category
            kwargs["initial"] = {
                "category": category.code if category else "",
                "department": ticket.department_id or ticket.suggested_department_id,
            }
        action_forms[name] = form_class(**kwargs)
    calendar = calendar_load()
    returned = next((a for a in reversed(assignments) if a.state == A.RETURNED), None)
    context = {
        "ticket": ticket,
        "caller": selectors.caller_view(user, ticket),
        "flags": _flags(ticket, calendar),
        "assignments": assignments,
        "extensions": actions.extensions,
        "pending": actions.pending,
        "callbacks": list(ticket.callbacks.select_related("operator", "rating")),
        "events": list(ticket.events.select_related("actor", "department")),
        "escalations": list(ticket.escalations.select_related("department")),
        "merged": list(ticket.merged.only("pk", "number", "title", "status")),
        "duplicates": duplicates,
        "returned": returned,
        "forms": action_forms,
        "sign_departments": can["sign"],
        "faces": FACES,
        "read_only": not action_forms,
    }
    return render(request, "hotline/staff/ticket.html", context, status=status)


@requires(Perm.HOTLINE_VIEW)
def ticket_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    ticket = selectors.ticket_get_for_user(user=request.user, pk=pk)
    return _ticket_page(request, ticket)


def _act(
    request: AuthedRequest,
    pk: int,
    name: str,
    perform: Callable[[Ticket, Any], Any],
    done: str,
    **form_kwargs: Any,
) -> HttpResponse:
    """Parse the action's form, call its service, redirect back with a message; on a refused rule
    show the page again with the errors next to the fields."""
    ticket = selectors.ticket_get_for_user(user=request.user, pk=pk)
    if name == "merge":
        form_kwargs["duplicates"] = selectors.duplicates_for(ticket)
    form = ACTION_FORMS[name](request.POST, prefix=name, **form_kwargs)
    if form.is_valid():
        try:
            perform(ticket, form)
        except ConflictError as exc:
            messages.error(request, exc.message)
            return redirect("hotline:ticket", pk=ticket.pk)
        except ApplicationError as exc:
            add_service_errors(form, exc.field_errors, exc.message)
            messages.error(request, exc.message)
        else:
            messages.success(request, done)
            return redirect("hotline:ticket", pk=ticket.pk)
    else:
        messages.error(request, _("Please correct the marked fields."))
    ticket.refresh_from_db()
    return _ticket_page(request, ticket, bound={name: form}, status=400)


@requires(Perm.HOTLINE_VIEW)
@require_POST
def ticket_dispatch(request: AuthedRequest, pk: int) -> HttpResponse:
    def perform(ticket: Ticket, form: Any) -> None:
        data = form.cleaned_data
        services.ticket_dispatch(
            actor=request.user,
            ticket=ticket,
            category=services.category_leaf(data["category"]),
            department=data["department"],
            assist=list(data["assist"]),
            note=data["note"],
            request=request,
        )

    return _act(request, pk, "dispatch", perform, _("The ticket was dispatched."))


@requires(Perm.HOTLINE_VIEW)
@require_POST
def ticket_merge(request: AuthedRequest, pk: int) -> HttpResponse:
    def perform(ticket: Ticket, form: Any) -> None:
        into = selectors.ticket_get_for_user(user=request.user, pk=form.cleaned_data["into"])
        services.ticket_merge(actor=request.user, ticket=ticket, into=into, request=request)

    return _act(request, pk, "merge", perform, _("The ticket was merged."))


@requires(Perm.HOTLINE_VIEW)
@require_POST
def ticket_sign(request: AuthedRequest, pk: int) -> HttpResponse:
    def perform(ticket: Ticket, form: Any) -> None:
        chosen = form.cleaned_data["department"]
        department = Department.objects.filter(pk=chosen).first() if chosen else None
        services.ticket_sign(actor=request.user, ticket=ticket, department=department, request=request)

    return _act(request, pk, "sign", perform, _("Signed for: the ticket is yours to handle."))


@requires(Perm.HOTLINE_VIEW)
@require_POST
def ticket_return(request: AuthedRequest, pk: int) -> HttpResponse:
    def perform(ticket: Ticket, form: Any) -> None:
        services.ticket_return(actor=request.user, ticket=ticket, reason=form.cleaned_data["reason"], request=request)

    return _act(request, pk, "return", perform, _("The ticket was returned to the hotline centre."))


@requires(Perm.HOTLINE_VIEW)
@require_POST
def ticket_return_review(request: AuthedRequest, pk: int) -> HttpResponse:
    def perform(ticket: Ticket, form: Any) -> None:
        data = form.cleaned_data
        services.ticket_return_review(
            actor=request.user,
            ticket=ticket,
            accept=data["decision"] == "accept",
            note=data["note"],
            category=services.category_leaf(data["category"]) if data["category"] else None,
            department=data["department"],
            assist=list(data["assist"]),
            request=request,
        )

    return _act(request, pk, "review", perform, _("The return was decided."))


@requires(Perm.HOTLINE_VIEW)
@require_POST
def extension_request(request: AuthedRequest, pk: int) -> HttpResponse:
    def perform(ticket: Ticket, form: Any) -> None:
        data = form.cleaned_data
        services.extension_request(
            actor=request.user, ticket=ticket, days=data["days"], reason=data["reason"], request=request
        )

    return _act(request, pk, "extension", perform, _("The extension was asked for."))


@requires(Perm.HOTLINE_VIEW)
@require_POST
def extension_decide(request: AuthedRequest, pk: int, extension_pk: int) -> HttpResponse:
    def perform(ticket: Ticket, form: Any) -> None:
        extension = ticket.extensions.filter(pk=extension_pk).first()
        if extension is None:
            raise Http404
        data = form.cleaned_data
        services.extension_decide(
            actor=request.user,
            extension=extension,
            approve=data["decision"] == "approve",
            note=data["note"],
            request=request,
        )

    return _act(request, pk, "decide", perform, _("The extension request was decided."))


@requires(Perm.HOTLINE_VIEW)
@require_POST
def ticket_assist_reply(request: AuthedRequest, pk: int) -> HttpResponse:
    def perform(ticket: Ticket, form: Any) -> None:
        services.ticket_assist_reply(
            actor=request.user, ticket=ticket, reply=form.cleaned_data["reply"], request=request
        )

    return _act(request, pk, "assist", perform, _("Your department's part was sent to the lead department."))


@requires(Perm.HOTLINE_VIEW)
@require_POST
def ticket_reply(request: AuthedRequest, pk: int) -> HttpResponse:
    def perform(ticket: Ticket, form: Any) -> None:
        services.ticket_reply(actor=request.user, ticket=ticket, reply=form.cleaned_data["reply"], request=request)

    return _act(request, pk, "reply", perform, _("The reply was sent; the hotline will call the caller back."))


@requires(Perm.HOTLINE_VIEW)
@require_POST
def ticket_callback(request: AuthedRequest, pk: int) -> HttpResponse:
    def perform(ticket: Ticket, form: CallbackForm) -> None:
        data = form.cleaned_data
        rating = None
        if data["level"] is not None:
            rating = RatingInput(level=data["level"], dimensions=form.dimensions(), comment=data["comment"])
        services.ticket_callback(
            actor=request.user,
            ticket=ticket,
            outcome=data["outcome"],
            note=data["note"],
            rating=rating,
            reopen=data["reopen"],
            request=request,
        )

    return _act(request, pk, "callback", perform, _("The callback was recorded."))


@requires(Perm.HOTLINE_VIEW)
@require_POST
def ticket_close(request: AuthedRequest, pk: int) -> HttpResponse:
    def perform(ticket: Ticket, form: Any) -> None:
        services.ticket_close(actor=request.user, ticket=ticket, note=form.cleaned_data["note"], request=request)

    return _act(request, pk, "close", perform, _("The ticket was closed."))
