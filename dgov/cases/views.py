"""Pages of applications: applying, "my cases", the public progress look-up, the staff workbench
and the comprehensive window. Views parse the request, call one service or selector, render."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dgov.accounts.permissions import Perm, has_perm, require, requires
from dgov.accounts.requests import AuthedRequest
from dgov.cases import prefill, selectors, services
from dgov.cases.forms import DecisionForm, LookupForm, QueueFilterForm, WindowApplicantForm, WithdrawForm
from dgov.cases.models import Case, Channel
from dgov.cases.registry_materials import registry_material_rows
from dgov.cases.uploads import ACCEPT_ATTRIBUTE, material_files, max_bytes
from dgov.catalog import selectors as catalog_selectors
from dgov.catalog.formschema import form_fields
from dgov.catalog.models import ServiceItem
from dgov.core.errors import ApplicationError
from dgov.esign.selectors import signature_rows, signing_context, window_pad_context
from dgov.esign.services import signature_input_from_post
from dgov.workflow.models import Task
from dgov.workflow.selectors import can_work_on, task_get_for_user
from dgov.workflow.services import task_claim, task_release


def _uploads(request: HttpRequest) -> dict[int, list[Any]]:
    return material_files(request.FILES)[0]


def _form_values(request: HttpRequest, item: ServiceItem) -> dict[str, Any]:
    names = item.form_schema.get("properties", {})
    return {name: request.POST.get(name, "") for name in names if name in request.POST}


def _licence_choices(request: HttpRequest, item: ServiceItem) -> dict[int, int]:
    """The wallet licences chosen for licence-sourced materials (``licence_<material id>`` fields)."""
    chosen: dict[int, int] = {}
    for m in item.materials.all():
        value = request.POST.get(f"licence_{m.pk}", "")
        if m.source == m.Source.LICENCE and value.isdigit():
            chosen[m.pk] = int(value)
    return chosen


def _material_rows(
    item: ServiceItem,
    case: Case | None,
    errors: dict[str, list[str]],
    *,
    wallet_user: Any = None,
    chosen: dict[int, int] | None = None,
) -> list[dict[str, Any]]:
    from dgov.licences.selectors import licences_usable_for

    have: dict[int, list[Any]] = {}
    if case is not None and case.pk:
        for upload in case.materials.filter(replaced_at__isnull=True):
            have.setdefault(upload.item_material_id or 0, []).append(upload)
    rows = []
    for m in item.materials.all():
        rows.append(
            {
                "material": m,
                "upload": m.source == m.Source.APPLICANT and not services.material_is_online_form(m),
                "required": services.material_needs_upload(m),
                "online_form": services.material_is_online_form(m),
                "files": have.get(m.pk, []),
                "errors": errors.get(f"material_{m.pk}", []) + errors.get(f"licence_{m.pk}", []),
                # The applicant's own licences that can stand in for this material (用证).
                "licences": licences_usable_for(user=wallet_user, type_code=m.source_ref)
                if wallet_user is not None and m.source == m.Source.LICENCE
                else [],
                "chosen": (chosen or {}).get(m.pk),
            }
        )
    return rows


def _apply_context(
    item: ServiceItem,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    case: Case | None,
    key: str,
    *,
    wallet_user: Any = None,
    chosen: dict[int, int] | None = None,
    post: Any = None,
    **extra: Any,
) -> dict[str, Any]:
    fields = form_fields(item.form_schema)
    sources = extra.get("prefilled") or {}
    for f in fields:
        f["value"] = values.get(f["name"], "")
        f["errors"] = errors.get(f["name"], [])
        f["source"] = sources.get(f["name"], "")
    return {
        "item": item,
        "fields": fields,
        "signing": signing_context(
            subject=item.code,
            applicant=wallet_user,
            needs_seal=item.e_seal,
            needs_signature=item.e_signature,
            post=post,
            errors=errors,
        )
        if wallet_user is not None
        else None,
        "materials": _material_rows(item, case, errors, wallet_user=wallet_user, chosen=chosen),
        "general_errors": errors.get("__all__", []),
        "draft": case if case is not None and case.status == Case.Status.DRAFT else None,
        "idempotency_key": key,
        "accept": ACCEPT_ATTRIBUTE,
        "max_bytes": max_bytes(),
        **extra,
    }


# --- Applying online ---------------------------------------------------------------------------


@login_required
def apply(request: AuthedRequest, code: str) -> HttpResponse:
    """The application form of an item: fill in, upload, save a draft or submit."""
    try:
        item = catalog_selectors.item_get_published(code=code)
    except catalog_selectors.ItemWithdrawn:
        raise Http404 from None
    user = request.user
    draft = selectors.case_draft_for(user=user, item_code=item.code)
    if request.method == "POST":
        values = _form_values(request, item)
        uploads = _uploads(request)
        chosen = _licence_choices(request, item)
        key = request.POST.get("idempotency_key", "")[:64]
        try:
            if request.POST.get("action") == "draft":
                draft = services.case_draft_save(actor=user, item=item, data=values, uploads=uploads, request=request)
                messages.success(request, _("Your draft is saved. You can come back to it from My cases."))
                return redirect("cases:apply", code=item.code)
            case = services.case_submit(
                actor=user,
                item=item,
                data=values,
                uploads=uploads,
                idempotency_key=key,
                draft=draft,
                licences=chosen,
                prefill_stamp=request.POST.get("prefill_stamp", ""),
                signature=signature_input_from_post(request.POST),
                request=request,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            context = _apply_context(
                item,
                values,
                exc.field_errors,
                draft,
                key,
                wallet_user=user,
                chosen=chosen,
                refused=True,
                prefill_stamp=request.POST.get("prefill_stamp", ""),
                post=request.POST,
            )
            return render(request, "cases/apply.html", context, status=400)
        messages.success(request, _("Your application was submitted. Keep the case number and verification code."))
        return redirect("cases:mine_detail", pk=case.pk)
    try:
        services.check_can_apply(item=item, applicant=user, channel=Channel.ONLINE)
    except ApplicationError as exc:
        return render(request, "cases/cannot_apply.html", {"item": item, "reason": exc.message}, status=403)
    if draft is not None:
        values, prefilled, stamp = draft.form_data, {}, ""
    else:
        known = prefill.prefill(applicant=user, item=item)
        values, prefilled, stamp = known.values, known.sources, known.stamp
    context = _apply_context(
        item, values, {}, draft, uuid.uuid4().hex, wallet_user=user, prefilled=prefilled, prefill_stamp=stamp
    )
    return render(request, "cases/apply.html", context)


@login_required
@require_POST
def draft_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_applicant(user=request.user, pk=pk)
    code = case.item.code
    services.case_draft_delete(actor=request.user, case=case, request=request)
    messages.success(request, _("The draft was deleted."))
    return redirect("catalog:detail", code=code)


@login_required
@require_POST
def material_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    material = selectors.case_material_get_for_user(user=request.user, pk=pk)
    code = material.case.item.code
    services.case_material_remove(actor=request.user, material=material, request=request)
    return redirect("cases:apply", code=code)


# --- The applicant's cases -----------------------------------------------------------------------


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    page = Paginator(selectors.case_list_for_applicant(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "cases/mine.html", {"page": page})


@login_required
def mine_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_applicant(user=request.user, pk=pk)
    if case.status == Case.Status.DRAFT:
        return redirect("cases:apply", code=case.item.code)
    errors: dict[str, list[str]] = {}
    action = request.POST.get("action") if request.method == "POST" else None
    # The applicant hands in files: corrected ones the clerk asked for, or those accepted to follow.
    handing_in = {
        "correct": (
            lambda: services.case_correct(
                actor=request.user,
                case=case,
                uploads=_uploads(request),
                note=request.POST.get("note", ""),
                request=request,
            ),
            _("Your corrected materials were handed in."),
        ),
        "supply": (
            lambda: services.case_owed_supply(
                actor=request.user, case=case, uploads=_uploads(request), request=request
            ),
            _("The materials to follow were handed in."),
        ),
    }
    if action in handing_in:
        hand_in, done = handing_in[action]
        try:
            hand_in()
        except ApplicationError as exc:
            messages.error(request, exc.message)
            errors = exc.field_errors
        else:
            messages.success(request, done)
            return redirect("cases:mine_detail", pk=case.pk)
    from dgov.ratings.selectors import rating_panel_for_case

    context = _detail_context(case, staff=False, errors=errors)
    context["rating_panel"] = rating_panel_for_case(case=case, user=request.user)
    return render(request, "cases/mine_detail.html", context)


@login_required
@require_POST
def withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_applicant(user=request.user, pk=pk)
    form = WithdrawForm(request.POST)
    try:
        services.case_withdraw(actor=request.user, case=case, reason=form.data.get("reason", ""), request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The application was withdrawn."))
    return redirect("cases:mine_detail", pk=case.pk)


def _detail_context(case: Case, *, staff: bool, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    errors = errors or {}
    asked = set(case.correction_request.get("materials", []))
    materials = list(selectors.case_materials(case=case))
    definition = case.instance.definition if case.instance_id and case.instance else None
    open_tasks = list(selectors.open_tasks_of(case=case))
    done = list(selectors.done_tasks_of(case=case))
    return {
        "case": case,
        "staff": staff,
        "fields": [{**f, "value": case.form_data.get(f["name"], "")} for f in form_fields(case.item.form_schema)],
        "materials": materials,
        "timeline": selectors.case_timeline(case=case, staff=staff),
        "open_tasks": open_tasks,
        "done_tasks": done,
        "deadline": selectors.deadline_state(case.due_at, paused=case.is_paused) if case.is_open else "none",
        "asked": [m for m in case.item.materials.all() if m.pk in asked],
        "owed": [m for m in case.item.materials.all() if m.pk in set(case.owed_materials)],
        "errors": errors,
        "general_errors": errors.get("__all__", []),
        "material_errors": [e for k, errs in errors.items() if k != "__all__" for e in errs],
        "accept": ACCEPT_ATTRIBUTE,
        "withdraw_form": WithdrawForm(),
        "diagram_xml_url": reverse("cases:process_xml", args=[case.pk]) if staff and definition else "",
        "active_ids": sorted({t.spec_id for t in open_tasks}),
        "done_ids": sorted({t.spec_id for t in done}),
        "presented": _presented_licences(case),
        "rules": selectors.rules_panel(case=case, staff=staff),
        "signatures": signature_rows(case=case),
        "registry_materials": registry_material_rows(case=case),
    }


def _presented_licences(case: Case) -> list[dict[str, Any]]:
    """Licences the applicant chose from their wallet for this case, each verified now."""
    from dgov.licences.selectors import licence_case_uses
    from dgov.licences.verification import verify_licence

    return [{"use": use, "verdict": verify_licence(use.licence)} for use in licence_case_uses(case=case)]


def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The acceptance receipt (受理回执), printable: for the applicant and for staff who cover the case."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    if case.status == Case.Status.DRAFT:
        raise Http404
    lookup_url = request.build_absolute_uri(reverse("cases:lookup"))
    return render(request, "cases/receipt.html", {"case": case, "lookup_url": lookup_url})


@login_required
def material_download(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """An uploaded file, for the applicant and staff who cover the case; always as a download."""
    material = selectors.case_material_get_for_user(user=request.user, pk=pk)
    services.case_material_download_record(actor=request.user, material=material, request=request)
    try:
        handle = material.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=material.original_name, content_type=material.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- Public progress look-up ------------------------------------------------------------------


def lookup(request: HttpRequest) -> HttpResponse:
    """Anyone: case number + verification code -> status and public timeline, nothing personal."""
    form = LookupForm(request.POST or None)
    case = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            case = selectors.case_lookup_public(
                number=form.cleaned_data["number"],
                code=form.cleaned_data["code"],
                client=request.META.get("REMOTE_ADDR", ""),
            )
        except PermissionError:
            form.add_error(None, _("Too many failed look-ups from this address; please try again in ten minutes."))
            status = 429
        else:
            if case is None:
                form.add_error(None, _("No case matches this number and verification code."))
                status = 404
    timeline = selectors.case_timeline(case=case, staff=False) if case else []
    return render(request, "cases/lookup.html", {"form": form, "case": case, "timeline": timeline}, status=status)


# --- Staff workbench ----------------------------------------------------------------------------


@requires(Perm.CASE_VIEW)
def queue(request: AuthedRequest) -> HttpResponse:
    """My tasks and my department's queue, filterable, soonest due first."""
    form = QueueFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    view = request.GET.get("view", "queue")
    rows = selectors.task_queue_for_user(
        user=request.user,
        mine=view == "mine",
        item=f.get("item", ""),
        due=f.get("due", ""),
        status=f.get("status", ""),
    )
    tasks = [
        {
            "task": t,
            "case": c,
            "deadline": selectors.deadline_state(t.due_at),
            "case_deadline": selectors.deadline_state(c.due_at, paused=c.is_paused) if c else "none",
        }
        for t, c in rows
    ]
    return render(
        request,
        "cases/queue.html",
        {"form": form, "tasks": tasks, "view": view, "can_window": has_perm(request.user, Perm.CASE_WINDOW)},
    )


@requires(Perm.CASE_VIEW)
def staff_cases(request: AuthedRequest) -> HttpResponse:
    """Every case of the departments the staff member covers, filterable."""
    form = QueueFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    cases = selectors.case_list_for_staff(
        user=request.user,
        status=f.get("status", ""),
        item=f.get("item", ""),
        number=f.get("number", ""),
        due=f.get("due", ""),
    )
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    for c in page:
        c.deadline = selectors.deadline_state(c.due_at, paused=c.is_paused) if c.is_open else "none"  # type: ignore[attr-defined]
    return render(request, "cases/staff_cases.html", {"form": form, "page": page})


@requires(Perm.CASE_VIEW)
def staff_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_staff(user=request.user, pk=pk)
    services.case_read_record(actor=request.user, case=case, request=request)
    context = _detail_context(case, staff=True)
    context["actions"] = [
        {"task": t, "form": DecisionForm(task=t, case=case, prefix=f"t{t.pk}")}
        for t in context["open_tasks"]
        if t.role != "applicant" and can_work_on(request.user, t)
    ]
    context["can_correct_for_applicant"] = case.channel == Channel.WINDOW and has_perm(
        request.user, Perm.CASE_WINDOW, department=case.department
    )
    # The e-licence of an approved case whose item outputs one: shown once issued, else a button.
    context["licence_due"] = bool(
        case.status == Case.Status.CONCLUDED and case.result == Case.Result.APPROVED and case.item.output_licence_type
    )
    if context["licence_due"]:
        context["case_licence"] = getattr(case, "licence", None)
        context["can_issue_licence"] = has_perm(request.user, Perm.LICENCE_ISSUE, department=case.department)
    return render(request, "cases/staff_detail.html", context)


@requires(Perm.CASE_VIEW)
def process_xml(request: AuthedRequest, pk: int) -> HttpResponse:
    """The BPMN model the case runs on, for the diagram on the staff case page."""
    case = selectors.case_get_for_staff(user=request.user, pk=pk)
    if case.instance is None:
        raise Http404
    response = HttpResponse(case.instance.definition.bpmn_xml, content_type="application/xml; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def task_open(request: AuthedRequest, pk: int) -> HttpResponse:
    """Where a notice about a task leads: the applicant's case page for their own step, else the
    staff case page (404 for a task the person may not see)."""
    task = Task.objects.select_related("instance").filter(pk=pk).first()
    if task is None or task.instance.subject_type != services.SUBJECT_TYPE:
        raise Http404
    if task.role == "applicant" and task.instance.applicant_id == request.user.pk:
        return redirect("cases:mine_detail", pk=int(task.instance.subject_id))
    task = task_get_for_user(user=request.user, pk=pk)
    return redirect("cases:staff_detail", pk=int(task.instance.subject_id))


@requires(Perm.CASE_VIEW)
@require_POST
def task_act(request: AuthedRequest, pk: int) -> HttpResponse:
    """Claim, release or complete a task of a case (the workflow kernel checks who may)."""
    task = task_get_for_user(user=request.user, pk=pk)
    case_pk = int(task.instance.subject_id)
    action = request.POST.get("action", "")
    try:
        if action == "claim":
            task_claim(actor=request.user, task=task)
            messages.success(request, _("You took this task."))
        elif action == "release":
            task_release(actor=request.user, task=task)
            messages.success(request, _("The task is back in the queue."))
        else:
            case = selectors.case_get_for_staff(user=request.user, pk=case_pk)
            form = DecisionForm(request.POST, task=task, case=case, prefix=f"t{task.pk}")
            if not form.is_valid():
                messages.error(request, _("Please correct the marked fields."))
                context = _detail_context(case, staff=True)
                context["actions"] = [{"task": task, "form": form}]
                return render(request, "cases/staff_detail.html", context, status=400)
            services.case_task_complete(
                actor=request.user,
                task=task,
                decision=form.cleaned_data.get("decision", ""),
                opinion=form.cleaned_data.get("opinion", ""),
                materials=form.cleaned_data.get("materials", []),
                request=request,
            )
            messages.success(request, _("Done: %(step)s.") % {"step": task.name})
    except ApplicationError as exc:
        messages.error(request, exc.message)
        for field, errs in exc.field_errors.items():
            for e in errs:
                messages.error(request, f"{field}: {e}" if field != "__all__" else e)
    return redirect("cases:staff_detail", pk=case_pk)


@requires(Perm.CASE_VIEW)
@require_POST
def correct_for_applicant(request: AuthedRequest, pk: int) -> HttpResponse:
    """At the window: hand in an applicant's corrected materials for them."""
    case = selectors.case_get_for_staff(user=request.user, pk=pk)
    try:
        services.case_correct(actor=request.user, case=case, uploads=_uploads(request), request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        for errs in exc.field_errors.values():
            for e in errs:
                messages.error(request, e)
    else:
        messages.success(request, _("The corrected materials were handed in for the applicant."))
    return redirect("cases:staff_detail", pk=case.pk)


# --- The comprehensive window --------------------------------------------------------------------


@requires(Perm.CASE_WINDOW)
def window(request: AuthedRequest) -> HttpResponse:
    """一窗综合受理: find the item for the person at the counter."""
    query = request.GET.get("q", "").strip()[:50]
    items = catalog_selectors.item_list_published(query=query)[:30] if query else []
    return render(request, "cases/window.html", {"q": query, "items": items})


@requires(Perm.CASE_WINDOW)
def window_apply(request: AuthedRequest, code: str) -> HttpResponse:
    """Enter an application at the window for a citizen or an enterprise, then print the receipt."""
    try:
        item = catalog_selectors.item_get_published(code=code)
    except catalog_selectors.ItemWithdrawn:
        raise Http404 from None
    # Checked (and a refusal recorded) before the transaction below, which would roll the record back.
    require(request, Perm.CASE_WINDOW, department=item.department)
    applicant_form = WindowApplicantForm(request.POST or None)
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    key = request.POST.get("idempotency_key", "")[:64] or uuid.uuid4().hex
    if request.method == "POST":
        values = _form_values(request, item)
        if applicant_form.is_valid():
            try:
                case = services.window_case_submit(
                    actor=request.user,
                    item=item,
                    applicant_details=applicant_form.cleaned_data,
                    data=values,
                    uploads=_uploads(request),
                    idempotency_key=key,
                    signature=signature_input_from_post(request.POST),
                    request=request,
                )
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
                    _("Case %(number)s entered. Print the receipt for the applicant.") % {"number": case.number},
                )
                return redirect("cases:receipt", pk=case.pk)
    context = _apply_context(item, values, errors, None, key, applicant_form=applicant_form, window=True)
    context["signing"] = window_pad_context(post=request.POST if request.method == "POST" else None, errors=errors)
    return render(request, "cases/window_apply.html", context, status=400 if request.method == "POST" else 200)
