"""The hotline console: the dispatch catalogue (派单目录) and time limits for the hotline's
supervisors, the knowledge base (知识库) for its keepers, the category tree, and the statistics.
Views parse the request, call one selector or service, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dgov.accounts.permissions import Perm, has_perm, require, requires
from dgov.accounts.requests import AuthedRequest
from dgov.core.errors import ApplicationError
from dgov.core.forms import place_errors
from dgov.hotline import selectors, services, stats
from dgov.hotline.forms_console import (
    ArticleForm,
    ArticleSearchForm,
    DispatchRuleChangeForm,
    DispatchRuleForm,
    StatsPeriodForm,
    TimeLimitForm,
)
from dgov.hotline.models import Article, Category, DispatchRule

ECHARTS = "vendor/echarts/echarts.min.js"
ARTICLES_MAX = 500
ARTICLES_PAGE_SIZE = 25


def requires_any(*perms: Perm) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Sign-in required, then at least one of perms (the refusal is audited as for ``requires``)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not any(has_perm(request.user, p) for p in perms):
                require(request, perms[0])
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


@cache
def _echarts_available() -> bool:
    """Whether ECharts is vendored; without it the page shows its tables only."""
    return finders.find(ECHARTS) is not None


# --- Console home ------------------------------------------------------------------------------------


@requires_any(Perm.HOTLINE_SUPERVISE, Perm.HOTLINE_KNOWLEDGE, Perm.HOTLINE_VIEW)
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "hotline/console/home.html",
        {
            "can_supervise": has_perm(user, Perm.HOTLINE_SUPERVISE),
            "can_keep_knowledge": has_perm(user, Perm.HOTLINE_KNOWLEDGE),
            "can_view": has_perm(user, Perm.HOTLINE_VIEW),
        },
    )


# --- Dispatch catalogue ----------------------------------------------------------------------------------


@requires(Perm.HOTLINE_SUPERVISE)
def rules(request: AuthedRequest) -> HttpResponse:
    top = request.GET.get("top", "")
    tops = list(Category.objects.filter(level=1).order_by("code"))
    if top not in {c.code for c in tops}:
        top = ""
    return render(
        request,
        "hotline/console/rules.html",
        {"rules": selectors.dispatch_rule_list(top=top), "tops": tops, "top": top},
    )


def _rule_form(request: AuthedRequest, rule: DispatchRule | None) -> HttpResponse:
    """A new line of the dispatch catalogue (category × place), or another department for one."""
    if rule is None:
        form: forms.Form = DispatchRuleForm(request.POST or None)
    else:
        initial = {"department": rule.department_id, "note": rule.note}
        form = DispatchRuleChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.dispatch_rule_save(
                actor=request.user,
                category=data["category"] if rule is None else rule.category,
                region=data["place"] if rule is None else rule.region,
                department=data["department"],
                note=data["note"],
                request=request,
            )
        except ApplicationError as exc:
            place_errors(form, exc)
        else:
            messages.success(request, _("The dispatch rule was saved."))
            return redirect("hotline:console_rules")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "hotline/console/rule_form.html", {"form": form, "rule": rule}, status=status)


@requires(Perm.HOTLINE_SUPERVISE)
def rule_new(request: AuthedRequest) -> HttpResponse:
    return _rule_form(request, None)


@requires(Perm.HOTLINE_SUPERVISE)
def rule_change(request: AuthedRequest, pk: int) -> HttpResponse:
    return _rule_form(request, selectors.dispatch_rule_get(pk=pk))


@requires(Perm.HOTLINE_SUPERVISE)
def rule_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    rule = selectors.dispatch_rule_get(pk=pk)
    if request.method == "POST":
        services.dispatch_rule_delete(actor=request.user, rule=rule, request=request)
        messages.success(request, _("The dispatch rule was deleted."))
        return redirect("hotline:console_rules")
    return render(request, "hotline/console/rule_delete.html", {"rule": rule})


# --- Time limits ---------------------------------------------------------------------------------------------


@requires(Perm.HOTLINE_SUPERVISE)
def limits(request: AuthedRequest) -> HttpResponse:
    return render(request, "hotline/console/limits.html", {"rows": selectors.time_limit_list()})


@requires(Perm.HOTLINE_SUPERVISE)
def limit_change(request: AuthedRequest, type: str, urgency: str) -> HttpResponse:
    row = selectors.time_limit_get(type=type, urgency=urgency)
    form = TimeLimitForm(request.POST or None, initial={"sign_days": row["sign_days"], "reply_days": row["reply_days"]})
    if request.method == "POST" and form.is_valid():
        try:
            services.time_limit_save(
                actor=request.user,
                type=type,
                urgency=urgency,
                sign_days=form.cleaned_data["sign_days"],
                reply_days=form.cleaned_data["reply_days"],
                request=request,
            )
        except ApplicationError as exc:
            place_errors(form, exc)
        else:
            messages.success(request, _("The time limits were saved; they apply to tickets dispatched from now on."))
            return redirect("hotline:console_limits")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "hotline/console/limit_form.html", {"form": form, "row": row}, status=status)


# --- Knowledge base --------------------------------------------------------------------------------------------


@requires(Perm.HOTLINE_KNOWLEDGE)
def articles(request: AuthedRequest) -> HttpResponse:
    form = ArticleSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    found = selectors.article_list_for_user(user=request.user, query=query, limit=ARTICLES_MAX)
    page = Paginator(found, ARTICLES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "hotline/console/articles.html", {"form": form, "page": page, "query": query})


def _article_form(request: AuthedRequest, article: Article | None) -> HttpResponse:
    departments = selectors.knowledge_department_list_for_user(request.user)
    initial: dict[str, Any] = {}
    if article is not None:
        initial = {
            "title": article.title,
            "answer": article.answer,
            "department": article.department_id,
            "category": article.category.code if article.category else "",
            "basis": article.basis,
            "keywords": article.keywords,
            "valid_until": article.valid_until,
        }
    can_publish = article is None or article.status != Article.Status.PUBLISHED
    form = ArticleForm(request.POST or None, initial=initial, departments=departments, can_publish=can_publish)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.article_save(
                actor=request.user,
                article=article,
                title=data["title"],
                answer=data["answer"],
                department=data["department"],
                category=data["category"],
                basis=data["basis"],
                keywords=data["keywords"],
                valid_until=data["valid_until"],
                publish=bool(data.get("publish")),
                request=request,
            )
        except ApplicationError as exc:
            place_errors(form, exc)
        else:
            messages.success(request, _("The knowledge article was saved."))
            return redirect("hotline:console_article", pk=saved.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "hotline/console/article_form.html", {"form": form, "article": article}, status=status)


@requires(Perm.HOTLINE_KNOWLEDGE)
def article_new(request: AuthedRequest) -> HttpResponse:
    return _article_form(request, None)


@requires(Perm.HOTLINE_KNOWLEDGE)
def article_change(request: AuthedRequest, pk: int) -> HttpResponse:
    return _article_form(request, selectors.article_get_for_user(user=request.user, pk=pk))


@require_POST
@requires(Perm.HOTLINE_KNOWLEDGE)
def article_status(request: AuthedRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for_user(user=request.user, pk=pk)
    status = request.POST.get("status", "")
    if status not in (Article.Status.PUBLISHED, Article.Status.WITHDRAWN):
        messages.error(request, _("Choose to publish or to withdraw."))
        return redirect("hotline:console_article", pk=article.pk)
    try:
        services.article_set_status(actor=request.user, article=article, status=status, request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        shown = _("published") if status == Article.Status.PUBLISHED else _("withdrawn")
        messages.success(request, _("The knowledge article was %(what)s.") % {"what": shown})
    return redirect("hotline:console_article", pk=article.pk)


# --- Category tree ------------------------------------------------------------------------------------------------


@requires_any(Perm.HOTLINE_SUPERVISE, Perm.HOTLINE_KNOWLEDGE)
def categories(request: AuthedRequest) -> HttpResponse:
    tree = list(Category.objects.select_related("department").order_by("code"))
    counts = stats.tickets_per_category(request.user)
    rows = [{"category": c, "tickets": counts.get(c.code, 0)} for c in tree]
    return render(request, "hotline/console/categories.html", {"rows": rows})


# --- Statistics -----------------------------------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[StatsPeriodForm, Any, Any]:
    start, end = stats.month_to_date()
    form = StatsPeriodForm(request.GET or None, initial={"start": start, "end": end})
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return form, start, end


@requires(Perm.HOTLINE_VIEW)
def stats_page(request: AuthedRequest) -> HttpResponse:
    form, start, end = _period(request)
    data = stats.report(request.user, start, end)
    titles = stats.breakdown_titles()
    sections = [
        {
            "name": name,
            "title": titles[name],
            "rows": data[name],
            "chart": "pie" if name in ("channel", "type") else "bar",
        }
        for name in stats.BREAKDOWNS
    ]
    charts = {s["name"]: [{"name": r["label"], "value": r["count"]} for r in s["rows"]] for s in sections}
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "hotline/console/stats.html",
        {
            "form": form,
            "data": data,
            "sections": sections,
            "charts": charts,
            "echarts": _echarts_available(),
            "export_query": request.GET.urlencode(),
        },
        status=status,
    )


@requires(Perm.HOTLINE_VIEW)
def stats_export(request: AuthedRequest) -> HttpResponse:
    form, start, end = _period(request)
    if form.is_bound and form.errors:
        message = " ".join(str(e) for errs in form.errors.values() for e in errs)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    body = stats.workbook(stats.report(request.user, start, end))
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="hotline-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    return response
