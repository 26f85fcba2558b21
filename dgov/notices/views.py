"""The signed-in person's notices (/notices/): the list, opening one, marking as read."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from dgov.accounts.requests import AuthedRequest
from dgov.notices import selectors, services

PAGE_SIZE = 20


def _back_to_list(request: AuthedRequest) -> HttpResponse:
    page = request.POST.get("page", "")
    url = reverse("notices:list")
    return redirect(url + "?" + urlencode({"page": page}) if page.isdigit() else url)


@login_required
@require_GET
def notice_list(request: AuthedRequest) -> HttpResponse:
    page = Paginator(selectors.notice_list_for_user(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    unread = selectors.notice_unread_count(user=request.user)
    return render(request, "notices/list.html", {"page": page, "unread": unread})


@login_required
@require_GET
def notice_open(request: AuthedRequest, pk: int) -> HttpResponse:
    """Opening a notice marks it read, then follows its link (a path on this site only) or shows it."""
    notice = selectors.notice_get_for_user(user=request.user, pk=pk)
    services.notice_mark_read(actor=request.user, notice=notice)
    if notice.local_url:
        return redirect(notice.local_url)
    return render(request, "notices/detail.html", {"notice": notice})


@login_required
@require_POST
def notice_mark_read(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get_for_user(user=request.user, pk=pk)
    services.notice_mark_read(actor=request.user, notice=notice)
    return _back_to_list(request)


@login_required
@require_POST
def notice_mark_all_read(request: AuthedRequest) -> HttpResponse:
    count = services.notice_mark_all_read(actor=request.user)
    if count:
        messages.success(
            request,
            ngettext("%(count)d notice marked as read.", "%(count)d notices marked as read.", count) % {"count": count},
        )
    return _back_to_list(request)
