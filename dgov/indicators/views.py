"""Pages of the indicators: the leadership dashboard, one indicator, its drill-down, the 表1
exports, and the data officer's forms (reported values, targets, a snapshot now)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import BadRequest
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dgov.accounts.permissions import Perm, requires
from dgov.accounts.requests import AuthedRequest
from dgov.catalog import services as catalog_services
from dgov.core.errors import ApplicationError
from dgov.core.forms import place_errors
from dgov.indicators import computation, exports, selectors, services
from dgov.indicators.computation import Scope
from dgov.indicators.forms import KioskForm, KioskRetireForm, ReportedValueForm, SnapshotForm, TargetsForm
from dgov.indicators.models import Indicator

ECHARTS = "vendor/echarts/echarts.min.js"
PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _echarts() -> bool:
    return finders.find(ECHARTS) is not None


def _scope_query(scope: Scope) -> str:
    return "?" + urlencode({"scope": scope.key}) if scope.key else ""


def _chart_data(board: selectors.Board) -> dict[str, Any]:
    return {
        row.indicator.key: {
            "name": row.indicator.name,
            "unit": row.indicator.unit_label,
            "percent": row.indicator.is_percent,
            "value": None if row.value is None else float(row.value),
            "midterm": None if row.indicator.midterm is None else float(row.indicator.midterm),
            "target": None if row.indicator.target is None else float(row.indicator.target),
            "status": row.status,
            "trend": [[d.isoformat(), None if v is None else float(v)] for d, v in row.trend],
        }
        for row in board.rows
    }


def _value_link(row: selectors.Row, scope: Scope, day: date | None, *, universe: bool = False) -> str:
    """A computed value leads to the records behind it (a year figure as of the snapshot's day;
    with ``universe``, the denominator's records); a reported one to the indicator's page with its
    source and evidence."""
    key = row.indicator.key
    if row.source != "computed":
        return reverse("indicators:detail", args=[key]) + _scope_query(scope)
    query = {"scope": scope.key} if scope.key else {}
    if day is not None and row.indicator.span == Indicator.Span.YEAR:
        query["day"] = day.isoformat()
    if universe:
        query["set"] = "all"
    return reverse("indicators:records", args=[key]) + ("?" + urlencode(query) if query else "")


@requires(Perm.INDICATORS_VIEW)
def dashboard(request: AuthedRequest) -> HttpResponse:
    scope, reach = selectors.scope_get_for_user(user=request.user, key=request.GET.get("scope"))
    board = selectors.dashboard(scope)
    for row in board.rows:
        row.link = _value_link(row, scope, board.day)
        provider = computation.provider_of(row.indicator)
        if provider is not None and provider.denominator_records:
            row.universe_link = _value_link(row, scope, board.day, universe=True)
    return render(
        request,
        "indicators/dashboard.html",
        {
            "board": board,
            "scope": scope,
            "scopes": selectors.scope_choices(reach),
            "scope_query": _scope_query(scope),
            "charts": _chart_data(board),
            "echarts": _echarts(),
            "can_report": selectors.can_report(request.user),
            "snapshot_form": SnapshotForm(initial={"day": computation.today()}),
        },
    )


def _table_board(request: AuthedRequest) -> selectors.Board:
    scope, _reach = selectors.scope_get_for_user(user=request.user, key=request.GET.get("scope"))
    return selectors.dashboard(scope, trend_days=1)


def _filename(board: selectors.Board, ext: str) -> str:
    day = board.day.strftime("%Y%m%d") if board.day else "none"
    scope = board.scope.key.replace(":", "-") or "district"
    return f"indicators-{scope}-{day}.{ext}"


@requires(Perm.INDICATORS_VIEW)
def table_xlsx(request: AuthedRequest) -> HttpResponse:
    board = _table_board(request)
    response = HttpResponse(exports.table_xlsx(board), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(board, "xlsx")}"'
    return response


@requires(Perm.INDICATORS_VIEW)
def table_pdf(request: AuthedRequest) -> HttpResponse:
    board = _table_board(request)
    response = HttpResponse(exports.table_pdf(board), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(board, "pdf")}"'
    return response


@requires(Perm.INDICATORS_VIEW)
def indicator_detail(request: AuthedRequest, key: str) -> HttpResponse:
    indicator, scope, _reach = selectors.indicator_get_for_user(
        user=request.user, key=key, scope_key=request.GET.get("scope")
    )
    history = list(selectors.history(indicator, scope))
    latest = history[-1] if history else None
    views = selectors.period_views(indicator, scope)
    provider = computation.provider_of(indicator)
    chart = {
        "name": indicator.name,
        "unit": indicator.unit_label,
        "midterm": None if indicator.midterm is None else float(indicator.midterm),
        "target": None if indicator.target is None else float(indicator.target),
        "trend": [[s.day.isoformat(), None if s.value is None else float(s.value)] for s in history],
    }
    return render(
        request,
        "indicators/detail.html",
        {
            "indicator": indicator,
            "scope": scope,
            "scope_query": _scope_query(scope),
            "latest": latest,
            "status": computation.status_of(indicator, latest.value, latest.day) if latest else None,
            "status_labels": computation.STATUS_LABELS,
            "expected": computation.expected_by(indicator, latest.day if latest else computation.today()),
            "monthly": views["monthly"],
            "yearly": views["yearly"],
            "provider": provider,
            "reported": selectors.reported_values(indicator)[:20] if scope.is_district else [],
            "can_report": selectors.can_report(request.user) and provider is None,
            "can_edit_targets": selectors.can_report(request.user),
            "chart": {"detail": chart},
            "echarts": _echarts(),
        },
    )


def _drill(request: AuthedRequest, key: str) -> dict[str, Any]:
    indicator, scope, _reach = selectors.indicator_get_for_user(
        user=request.user, key=key, scope_key=request.GET.get("scope")
    )
    provider = computation.provider_of(indicator)
    if provider is None:
        raise Http404
    which = request.GET.get("set", "counted")
    if which not in ("counted", "all"):
        which = "counted"
    period = computation.drill_period(indicator, _day_param(request.GET.get("day")))
    result = computation.compute(indicator, period, scope)
    assert result.measure is not None  # a provider computed it
    return {
        "indicator": indicator,
        "scope": scope,
        "provider": provider,
        "records": computation.records_of(result.measure, universe=which == "all"),
        "which": which,
        "result": result,
        "period_start": period.since.astimezone(computation.CALENDAR_TZ).date(),
        "period_end": computation.last_day(period),
        "as_of_day": indicator.span == Indicator.Span.YEAR,
        "has_universe": result.measure.universe is not None,
    }


def _day_param(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(_("%(value)s is not a day like 2025-12-31.") % {"value": raw[:20]}) from None


@requires(Perm.INDICATORS_VIEW)
def drill_down(request: AuthedRequest, key: str) -> HttpResponse:
    context = _drill(request, key)
    page = Paginator(context["records"], PAGE_SIZE).get_page(request.GET.get("page"))
    provider = context["provider"]
    rows = [
        {
            "cells": [exports.read_path(r, c.path) for c in provider.columns],
            "link": provider.link(r) if provider.link else None,
        }
        for r in page.object_list
    ]
    query = {"scope": context["scope"].key, "set": context["which"], "day": request.GET.get("day", "")}
    return render(
        request,
        "indicators/drill_down.html",
        {**context, "page": page, "rows": rows, "export_query": urlencode({k: v for k, v in query.items() if v})},
    )


@requires(Perm.INDICATORS_VIEW)
def drill_down_xlsx(request: AuthedRequest, key: str) -> HttpResponse:
    context = _drill(request, key)
    indicator, scope, result = context["indicator"], context["scope"], context["result"]
    heading = [
        f"{indicator.number} {indicator.name}",
        scope.label,
        _("Numerator %(n)s, denominator %(d)s, value %(v)s %(unit)s, computed now.")
        % {
            "n": exports.text(result.numerator),
            "d": exports.text(result.denominator),
            "v": exports.text(result.value),
            "unit": indicator.unit_label,
        },
    ]
    body = exports.records_xlsx(
        title=indicator.name, heading=heading, provider=context["provider"], records=context["records"].iterator()
    )
    response = HttpResponse(body, content_type=XLSX)
    scope_part = scope.key.replace(":", "-") or "district"
    response["Content-Disposition"] = (
        f'attachment; filename="indicator-{indicator.number}-{scope_part}-{context["which"]}.xlsx"'
    )
    return response


# --- The data officer's forms -----------------------------------------------------------------


def _indicator_for_officer(request: AuthedRequest, key: str) -> Indicator:
    if not selectors.can_report(request.user):
        raise Http404
    indicator = Indicator.objects.filter(key=key).first()
    if indicator is None:
        raise Http404
    return indicator


@requires(Perm.INDICATORS_REPORT)
@require_http_methods(["GET", "POST"])
def report(request: AuthedRequest, key: str) -> HttpResponse:
    indicator = _indicator_for_officer(request, key)
    if computation.is_computed(indicator):
        raise Http404
    form = ReportedValueForm(request.POST or None, request.FILES or None, initial={"as_of": computation.today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.reported_value_enter(
                actor=request.user,
                indicator=indicator,
                as_of=data["as_of"],
                value=data["value"],
                numerator=data["numerator"],
                denominator=data["denominator"],
                source=data["source"],
                note=data["note"],
                evidence=data["evidence"],
                request=request,
            )
        except ApplicationError as exc:
            place_errors(form, exc)
        else:
            messages.success(request, _("The value is recorded. It appears from the next snapshot."))
            return redirect("indicators:detail", key=indicator.key)
    status = 400 if request.method == "POST" else 200
    return render(request, "indicators/report.html", {"indicator": indicator, "form": form}, status=status)


@requires(Perm.INDICATORS_REPORT)
@require_http_methods(["GET", "POST"])
def targets(request: AuthedRequest, key: str) -> HttpResponse:
    indicator = _indicator_for_officer(request, key)
    current = {f: getattr(indicator, f) for f in services.TARGET_FIELDS}
    initial = {f: "" if v is None else computation.figure_text(v) for f, v in current.items()}
    form = TargetsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_targets_update(
                actor=request.user,
                indicator=indicator,
                values={f: form.cleaned_data[f] for f in services.TARGET_FIELDS},
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ApplicationError as exc:
            place_errors(form, exc)
        else:
            messages.success(request, _("The targets are changed; the change is in the audit trail."))
            return redirect("indicators:detail", key=indicator.key)
    status = 400 if request.method == "POST" else 200
    return render(request, "indicators/targets.html", {"indicator": indicator, "form": form}, status=status)


@requires(Perm.INDICATORS_REPORT)
@require_POST
def snapshot(request: AuthedRequest) -> HttpResponse:
    if not selectors.can_report(request.user):
        raise Http404
    form = SnapshotForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("indicators:dashboard")
    day: date = form.cleaned_data["day"]
    try:
        result = services.snapshots_take(day=day, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Snapshot of %(day)s taken: %(computed)s computed, %(reported)s reported, %(missing)s without a value.")
            % {
                "day": day.isoformat(),
                "computed": result.computed,
                "reported": result.reported,
                "missing": result.missing,
            },
        )
    return redirect("indicators:dashboard")


@requires(Perm.INDICATORS_VIEW)
def evidence(request: AuthedRequest, pk: int) -> FileResponse:
    reported = selectors.reported_value_get_for_user(user=request.user, pk=pk)
    name = reported.evidence.name
    if not name or not default_storage.exists(name):
        raise Http404
    response = FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=reported.evidence_name,
        content_type=reported.evidence_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- The kiosk register (indicator 6) ---------------------------------------------------------


@requires(Perm.INDICATORS_REPORT)
@require_http_methods(["GET", "POST"])
def kiosks(request: AuthedRequest) -> HttpResponse:
    if not selectors.can_report(request.user):
        raise Http404
    form = KioskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            kiosk = catalog_services.kiosk_register(actor=request.user, request=request, **form.cleaned_data)
        except ApplicationError as exc:
            place_errors(form, exc)
        else:
            messages.success(request, _("Kiosk %(code)s is registered.") % {"code": kiosk.code})
            return redirect("indicators:kiosks")
    status = 400 if request.method == "POST" else 200
    rows = [
        (k, KioskRetireForm(prefix=f"k{k.pk}", initial={"retired_on": computation.today()})) for k in selectors.kiosks()
    ]
    return render(request, "indicators/kiosks.html", {"form": form, "rows": rows}, status=status)


@requires(Perm.INDICATORS_REPORT)
@require_POST
def kiosk_retire(request: AuthedRequest, pk: int) -> HttpResponse:
    if not selectors.can_report(request.user):
        raise Http404
    kiosk = selectors.kiosks().filter(pk=pk).first()
    if kiosk is None:
        raise Http404
    form = KioskRetireForm(request.POST, prefix=f"k{kiosk.pk}")
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("indicators:kiosks")
    try:
        catalog_services.kiosk_retire(
            actor=request.user, kiosk=kiosk, retired_on=form.cleaned_data["retired_on"], request=request
        )
    except ApplicationError as exc:
        messages.error(request, " ".join(m for ms in exc.field_errors.values() for m in ms) or exc.message)
    else:
        messages.success(request, _("Kiosk %(code)s is retired.") % {"code": kiosk.code})
    return redirect("indicators:kiosks")
