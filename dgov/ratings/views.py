"""Pages of 好差评: the rating form (site, kiosk, the window's tablet, the SMS link), the rater's
ratings and outcome with the appeal, the department's rectification work, the review of
exclusions and the public statistics. Views parse the request, call one selector or service, render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dgov.accounts.permissions import Perm, has_perm, requires
from dgov.accounts.requests import AuthedRequest
from dgov.cases import selectors as case_selectors
from dgov.cases.models import Case
from dgov.core.errors import ApplicationError
from dgov.core.forms import place_errors
from dgov.core.masking import mask_name, mask_phone
from dgov.ratings import rules, selectors, services
from dgov.ratings.forms import (
    AppealForm,
    CallbackForm,
    ExclusionDecideForm,
    ExclusionProposeForm,
    LedgerDoneForm,
    PadFindForm,
    ReportForm,
    ResolveForm,
    StatsFilterForm,
)
from dgov.ratings.models import (
    BAD_TAGS,
    COMMENT_MAX,
    DIMENSIONS,
    FACES,
    GOOD_TAGS,
    Channel,
    Dimension,
    Level,
    Rating,
    Rectification,
    Tag,
)
from dgov.ratings.rules import RatingInput

# --- The rating form ---------------------------------------------------------------------------------


def _rating_input(post: QueryDict) -> RatingInput:
    dimensions = {k.removeprefix("dimension_"): v for k, v in post.items() if k.startswith("dimension_")}
    return RatingInput(
        level=post.get("level", ""), dimensions=dimensions, tags=post.getlist("tags"), comment=post.get("comment", "")
    )


def _form_context(
    case: Case,
    channel: str,
    *,
    action: str,
    data: RatingInput | None = None,
    errors: dict[str, list[str]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The rating form: five large faces, a row of levels per dimension, the level's tags, a comment."""
    errors = errors or {}
    data = data or RatingInput(level="")
    service_channel = rules.service_channel_of(case, channel)
    chosen = str(data.level)
    labels = dict(Dimension.choices)
    shown = {"level", "tags", "comment"}
    rows = []
    for name in DIMENSIONS[service_channel]:
        if name == Dimension.OVERALL:
            continue
        shown.add(f"dimensions.{name}")
        rows.append(
            {
                "name": name,
                "label": labels[name],
                "value": str(data.dimensions.get(name, "")),
                "errors": errors.get(f"dimensions.{name}", []),
            }
        )
    ticked = {str(t) for t in data.tags}
    tag_labels = dict(Tag.choices)
    return {
        "case": case,
        "action": action,
        "channel": channel,
        "service_channel": service_channel,
        "levels": [
            {"value": str(v), "label": Level(v).label, "face": FACES[v], "checked": chosen == str(v)}
            for v in (5, 4, 3, 2, 1)
        ],
        "dimension_rows": rows,
        "row_levels": [{"value": str(v), "label": Level(v).label, "face": FACES[v]} for v in (5, 4, 3, 2, 1)],
        "good_tags": [{"value": t, "label": tag_labels[t], "checked": t in ticked} for t in GOOD_TAGS],
        "bad_tags": [{"value": t, "label": tag_labels[t], "checked": t in ticked} for t in BAD_TAGS],
        "comment": data.comment if isinstance(data.comment, str) else "",
        "errors": errors,
        "general_errors": [e for k, errs in errors.items() if k not in shown for e in errs],
        "comment_max": COMMENT_MAX,
        **extra,
    }


def _refused(request: HttpRequest, exc: ApplicationError, case: Case | None, **extra: Any) -> HttpResponse:
    status = 409 if exc.code in ("already_rated", "link_used") else 410 if exc.code == "link_expired" else 403
    return render(request, "ratings/cannot_rate.html", {"reason": exc.message, "case": case, **extra}, status=status)


def _rate(request: AuthedRequest, case_pk: int, channel: str) -> HttpResponse:
    case = case_selectors.case_get_for_applicant(user=request.user, pk=case_pk)
    if case.status == Case.Status.DRAFT:
        raise Http404
    if selectors.rating_of_case(case=case, rater=request.user) is not None:
        return redirect("cases:mine_detail", pk=case.pk)
    refusal = rules.rating_refusal(case=case, rater=request.user)
    if refusal is not None:
        return _refused(request, refusal, case)
    action = request.path
    if request.method == "POST":
        data = _rating_input(request.POST)
        try:
            services.rating_submit(actor=request.user, case=case, data=data, channel=channel, request=request)
        except ApplicationError as exc:
            if not exc.field_errors:
                return _refused(request, exc, case)
            messages.error(request, exc.message)
            context = _form_context(case, channel, action=action, data=data, errors=exc.field_errors)
            return render(request, "ratings/rate.html", context, status=exc.status)
        messages.success(request, _("Thank you: your rating was recorded."))
        return redirect("cases:mine_detail", pk=case.pk)
    return render(request, "ratings/rate.html", _form_context(case, channel, action=action))


@login_required
def rate(request: AuthedRequest, case_pk: int) -> HttpResponse:
    """评价本次服务: the applicant rates their ended case on the site."""
    return _rate(request, case_pk, Channel.SITE)


@login_required
def rate_kiosk(request: AuthedRequest, case_pk: int) -> HttpResponse:
    """The same form on a self-service kiosk in the service hall (channel "kiosk")."""
    return _rate(request, case_pk, Channel.KIOSK)


def link(request: HttpRequest, token: str) -> HttpResponse:
    """The one-time link from the SMS: rates the case without signing in, once."""
    found = selectors.rating_link_find(token=token)
    state = selectors.link_state(found)
    if found is None:
        return render(request, "ratings/cannot_rate.html", {"reason": _("This rating link is not valid.")}, status=404)
    if state != "valid":
        return _refused(request, services.link_refusal(state), None)
    case = selectors.case_of_link(found)
    refusal = rules.rating_refusal(case=case, rater=found.rater)
    if refusal is not None:
        return _refused(request, refusal, case, public=True)
    if request.method == "POST":
        data = _rating_input(request.POST)
        try:
            rating = services.rating_submit_by_link(token=token, data=data, request=request)
        except ApplicationError as exc:
            if not exc.field_errors:
                return _refused(request, exc, case, public=True)
            messages.error(request, exc.message)
            context = _form_context(case, Channel.SMS, action=request.path, data=data, errors=exc.field_errors)
            return render(request, "ratings/rate.html", {**context, "public": True}, status=exc.status)
        return render(request, "ratings/thanks.html", {"rating": rating, "case": case, "public": True})
    return render(
        request, "ratings/rate.html", {**_form_context(case, Channel.SMS, action=request.path), "public": True}
    )


# --- The window's tablet -------------------------------------------------------------------------------


@requires(Perm.CASE_WINDOW)
def pad_find(request: AuthedRequest) -> HttpResponse:
    """The clerk opens the rating tablet for a case by its number."""
    form = PadFindForm(request.GET or None)
    if request.GET and form.is_valid():
        case = selectors.case_find_for_window_pad(user=request.user, number=form.cleaned_data["number"])
        if case is not None:
            return redirect("ratings:pad_rate", case_pk=case.pk)
        form.add_error("number", _("None of the cases you handle at the window has this number."))
    return render(request, "ratings/pad_find.html", {"form": form}, status=400 if form.errors else 200)


@requires(Perm.CASE_WINDOW)
def pad_rate(request: AuthedRequest, case_pk: int) -> HttpResponse:
    """The tablet the clerk hands to the applicant: the rating form for this case."""
    case = selectors.case_get_for_window_pad(user=request.user, pk=case_pk)
    extra: dict[str, Any] = {
        "pad": True,
        "applicant_masked": mask_name(case.applicant_name or case.applicant.real_name),
    }
    if selectors.rating_of_case(case=case, rater=case.applicant) is not None:
        return _refused(request, rules.already_rated(), case, **extra)
    refusal = rules.rating_refusal(case=case, rater=case.applicant)
    if refusal is not None:
        return _refused(request, refusal, case, **extra)
    if request.method == "POST":
        data = _rating_input(request.POST)
        try:
            rating = services.rating_submit_at_window(clerk=request.user, case=case, data=data, request=request)
        except ApplicationError as exc:
            if not exc.field_errors:
                return _refused(request, exc, case, **extra)
            messages.error(request, exc.message)
            context = _form_context(case, Channel.WINDOW_PAD, action=request.path, data=data, errors=exc.field_errors)
            return render(request, "ratings/rate.html", {**context, **extra}, status=exc.status)
        return render(request, "ratings/thanks.html", {"rating": rating, "case": case, **extra})
    context = _form_context(case, Channel.WINDOW_PAD, action=request.path)
    return render(request, "ratings/rate.html", {**context, **extra})


@requires(Perm.CASE_WINDOW)
@require_POST
def pad_invite(request: AuthedRequest, case_pk: int) -> HttpResponse:
    """Instead of the tablet: send the applicant the one-time rating link by SMS."""
    case = selectors.case_get_for_window_pad(user=request.user, pk=case_pk)
    try:
        services.rating_invite_send(actor=request.user, case=case, request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The rating link was sent to the applicant's mobile phone."))
    return redirect("ratings:pad_find")


# --- The rater -------------------------------------------------------------------------------------------


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    page = Paginator(selectors.rating_list_for_rater(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "ratings/mine.html", {"page": page})


def _mine_detail(
    request: AuthedRequest, rating: Rating, *, appeal_form: AppealForm | None = None, status: int = 200
) -> HttpResponse:
    rect: Rectification | None = getattr(rating, "rectification", None)
    appeal_until = (
        rules.appeal_closes_at(rect.reported_at) if rect is not None and rect.reported_at is not None else None
    )
    can_appeal = bool(
        rect is not None
        and not rect.was_appealed
        and rect.state in (Rectification.State.REPORTED, Rectification.State.CLOSED)
        and (appeal_until is None or timezone.now() <= appeal_until)
    )
    context = {
        "rating": rating,
        "case": selectors.case_of(rating),
        "rect": rect,
        "events": selectors.rectification_public_events(rectification=rect) if rect is not None else [],
        "can_appeal": can_appeal,
        "appeal_until": appeal_until,
        "appeal_form": appeal_form or AppealForm(),
    }
    return render(request, "ratings/mine_detail.html", context, status=status)


@login_required
def mine_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The rater's own rating and what the department did about it."""
    return _mine_detail(request, selectors.rating_get_for_rater(user=request.user, pk=pk))


@login_required
@require_POST
def appeal(request: AuthedRequest, pk: int) -> HttpResponse:
    rating = selectors.rating_get_for_rater(user=request.user, pk=pk)
    rect = getattr(rating, "rectification", None)
    if rect is None:
        raise Http404
    form = AppealForm(request.POST)
    if not form.is_valid():
        return _mine_detail(request, rating, appeal_form=form, status=400)
    try:
        services.rectification_appeal(
            actor=request.user, rectification=rect, reason=form.cleaned_data["reason"], request=request
        )
    except ApplicationError as exc:
        place_errors(form, exc)
        messages.error(request, exc.message)
        return _mine_detail(request, rating, appeal_form=form, status=exc.status)
    messages.success(request, _("Your appeal was sent; the department reviews the complaint again."))
    return redirect("ratings:mine_detail", pk=rating.pk)


# --- The department's rectifications ------------------------------------------------------------------


@requires(Perm.RATINGS_VIEW)
def work_list(request: AuthedRequest) -> HttpResponse:
    """The department's rectifications, soonest due first; filters: state, overdue."""
    state = request.GET.get("state", "")
    state = state if state in Rectification.State.values else ""
    overdue = request.GET.get("overdue") == "1"
    rects = selectors.rectification_list_for_user(user=request.user, state=state, overdue=overdue)
    page = Paginator(rects, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [{"rect": r, "overdue": r.is_overdue(now)} for r in page]
    context = {"page": page, "rows": rows, "state": state, "overdue": overdue, "states": Rectification.State.choices}
    return render(request, "ratings/work_list.html", context)


def _work_detail(
    request: AuthedRequest,
    rect: Rectification,
    *,
    bound: dict[str, Any] | None = None,
    contact: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    user = request.user
    can_act = has_perm(user, Perm.RATINGS_RECTIFY, department=rect.department)
    state = rect.state
    rating = rect.rating
    rater = rating.rater
    pending = rating.exclusions.filter(state="proposed").first()
    context = {
        "rect": rect,
        "rating": rating,
        "case": selectors.case_of(rating),
        "reference": selectors.rated_reference(rating),
        "overdue": rect.is_overdue(),
        "events": selectors.rectification_events(rectification=rect),
        "ledger": rect.ledger.select_related("done_by").all(),
        "exclusions": rating.exclusions.select_related("proposed_by", "decided_by"),
        "rater_masked": mask_name(rater.real_name or rater.username),
        "phone_masked": mask_phone(rater.phone),
        "contact": contact,
        "can_act": can_act,
        "can_see_case": has_perm(user, Perm.CASE_VIEW, department=rect.department),
        "callback_form": bound.get("callback") or CallbackForm() if can_act and state == "open" else None,
        "resolve_form": bound.get("resolve") or ResolveForm() if can_act and state in ("open", "called_back") else None,
        "callback_needed": state == "open" and rating.real_name,
        "report_form": bound.get("report") or ReportForm() if can_act and state == "resolved" else None,
        "can_close": can_act and state == "reported",
        "ledger_form": bound.get("ledger") or LedgerDoneForm(),
        "exclude_form": bound.get("exclude") or ExclusionProposeForm()
        if can_act and not rating.is_excluded and pending is None
        else None,
        "pending_exclusion": pending,
    }
    return render(request, "ratings/work_detail.html", context, status=status)


@requires(Perm.RATINGS_VIEW)
def work_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _work_detail(request, selectors.rectification_get_for_user(user=request.user, pk=pk))


_ACTION_FORMS: dict[str, Any] = {
    "callback": CallbackForm,
    "resolve": ResolveForm,
    "report": ReportForm,
    "exclude": ExclusionProposeForm,
}
_DONE = {
    "callback": _("The call-back was recorded."),
    "resolve": _("The resolution was recorded."),
    "report": _("The answer was sent to the rater."),
    "close": _("The rectification is closed."),
    "exclude": _("The exclusion was proposed; a department administrator reviews it."),
}


def _run(request: AuthedRequest, action: str, rect: Rectification, form: Any) -> None:
    user, data = request.user, form.cleaned_data if form is not None else {}
    if action == "callback":
        services.rectification_call_back(
            actor=user, rectification=rect, result=data["result"], verified=form.verified_value(), request=request
        )
    elif action == "resolve":
        services.rectification_resolve(
            actor=user,
            rectification=rect,
            resolution=data["resolution"],
            note=data["note"],
            explanation=data.get("explanation") or "",
            ledger_what=data.get("ledger_what") or "",
            ledger_responsible=data.get("ledger_responsible") or "",
            ledger_due=data.get("ledger_due"),
            request=request,
        )
    elif action == "report":
        services.rectification_report_back(actor=user, rectification=rect, outcome=data["outcome"], request=request)
    elif action == "close":
        services.rectification_close(actor=user, rectification=rect, request=request)
    elif action == "exclude":
        services.exclusion_propose(actor=user, rating=rect.rating, reason=data["reason"], request=request)


@requires(Perm.RATINGS_VIEW)
@require_POST
def work_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    """One step of the loop: call-back, resolve, report back, close, or propose an exclusion."""
    rect = selectors.rectification_get_for_user(user=request.user, pk=pk)
    if action == "contact":
        contact = services.rectification_rater_contact(actor=request.user, rectification=rect, request=request)
        return _work_detail(request, rect, contact=contact)
    if action not in _DONE:
        raise Http404
    form_class = _ACTION_FORMS.get(action)
    form = form_class(request.POST) if form_class is not None else None
    if form is not None and not form.is_valid():
        messages.error(request, _("Please correct the marked fields."))
        return _work_detail(request, rect, bound={action: form}, status=400)
    try:
        _run(request, action, rect, form)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        if form is not None:
            place_errors(form, exc)
        return _work_detail(request, rect, bound={action: form} if form is not None else None, status=exc.status)
    messages.success(request, _DONE[action])
    return redirect("ratings:work_detail", pk=rect.pk)


@requires(Perm.RATINGS_VIEW)
@require_POST
def ledger_done(request: AuthedRequest, pk: int, entry_pk: int) -> HttpResponse:
    rect = selectors.rectification_get_for_user(user=request.user, pk=pk)
    entry = rect.ledger.filter(pk=entry_pk).first()
    if entry is None:
        raise Http404
    form = LedgerDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the marked fields."))
        return _work_detail(request, rect, bound={"ledger": form}, status=400)
    try:
        services.ledger_entry_done(
            actor=request.user, entry=entry, note=form.cleaned_data["done_note"], request=request
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _work_detail(request, rect, status=exc.status)
    messages.success(request, _("The ledger entry is marked done."))
    return redirect("ratings:work_detail", pk=rect.pk)


# --- Exclusions ------------------------------------------------------------------------------------------


def _exclusions(
    request: AuthedRequest, bound: dict[int, ExclusionDecideForm] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    rows = [
        {"exclusion": e, "form": bound.get(e.pk) or ExclusionDecideForm(prefix=f"e{e.pk}")}
        for e in selectors.exclusion_list_for_reviewer(user=request.user)
    ]
    return render(request, "ratings/exclusions.html", {"rows": rows}, status=status)


@requires(Perm.RATINGS_EXCLUDE)
def exclusions(request: AuthedRequest) -> HttpResponse:
    """Proposals to exclude malicious ratings, for the department administrator's review."""
    return _exclusions(request)


@requires(Perm.RATINGS_EXCLUDE)
@require_POST
def exclusion_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    exclusion = selectors.exclusion_get_for_reviewer(user=request.user, pk=pk)
    form = ExclusionDecideForm(request.POST, prefix=f"e{exclusion.pk}")
    if not form.is_valid():
        messages.error(request, _("Please correct the marked fields."))
        return _exclusions(request, {exclusion.pk: form}, status=400)
    try:
        services.exclusion_decide(
            actor=request.user,
            exclusion=exclusion,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
            request=request,
        )
    except ApplicationError as exc:
        place_errors(form, exc)
        messages.error(request, exc.message)
        return _exclusions(request, {exclusion.pk: form}, status=exc.status)
    messages.success(request, _("The decision was recorded."))
    return redirect("ratings:exclusions")


# --- Public statistics ------------------------------------------------------------------------------------


def stats(request: HttpRequest) -> HttpResponse:
    """好差评 statistics for everyone: the district, departments, items and windows."""
    form = StatsFilterForm(request.GET or None, years=selectors.rating_years())
    year = form.cleaned_data.get("year") if form.is_valid() else None
    return render(request, "ratings/stats.html", {"form": form, "stats": selectors.rating_stats(year=year)})
