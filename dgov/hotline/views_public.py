"""Public pages of the 12345 hotline: filing a ticket on the site or a phone, the caller's own
tickets, follow-up by number and code, and the message board (留言板). Views parse the request,
call one selector or service, render."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dgov.accounts.requests import AuthedRequest
from dgov.core.errors import ApplicationError
from dgov.core.forms import place_errors
from dgov.hotline import selectors, services
from dgov.hotline.forms_public import BoardForm, BoardSearchForm, TicketForm, TrackForm
from dgov.hotline.models import Ticket

# Phones (and the in-app browsers of WeChat and Alipay on them) say so in their user agent;
# tablets mostly do not, and count as the website.
MOBILE_AGENT = re.compile(r"Mobi|iPhone|iPod|Android.+Mobile|HarmonyOS|Windows Phone|MicroMessenger", re.IGNORECASE)
RECEIPTS_KEY = "hotline_receipts"
RECEIPTS_KEPT = 5
BOARD_PAGE_SIZE = 10
MINE_PAGE_SIZE = 20

# --- Pages -----------------------------------------------------------------------------------------


def _channel(request: HttpRequest) -> str:
    if request.GET.get("channel") == "mobile" or MOBILE_AGENT.search(request.headers.get("user-agent", "")):
        return Ticket.Channel.MOBILE
    return Ticket.Channel.SITE


def _file(request: AuthedRequest, form: TicketForm, channel: str, template: str) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_register(
                actor=request.user, channel=channel, data=form.ticket_input(), request=request
            )
        except ApplicationError as exc:
            place_errors(form, exc)
        else:
            kept = [pk for pk in request.session.get(RECEIPTS_KEY, []) if pk != ticket.pk]
            request.session[RECEIPTS_KEY] = [*kept, ticket.pk][-RECEIPTS_KEPT:]
            return redirect("hotline:receipt", pk=ticket.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, template, {"form": form, "channel": channel}, status=status)


@login_required
def report(request: AuthedRequest) -> HttpResponse:
    """我要反映: a signed-in person files a ticket (website, or mobile from a phone)."""
    return _file(request, TicketForm(request.POST or None), _channel(request), "hotline/public/report.html")


@login_required
def board_new(request: AuthedRequest) -> HttpResponse:
    """我要留言: a message to the message board, published with its reply when the writer agrees."""
    return _file(request, BoardForm(request.POST or None), Ticket.Channel.BOARD, "hotline/public/board_new.html")


def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The number and follow-up code of a ticket just filed from this browser."""
    ticket = selectors.ticket_get_for_receipt(pk=pk, receipts=request.session.get(RECEIPTS_KEY, []))
    return render(request, "hotline/public/receipt.html", {"ticket": ticket})


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    page = Paginator(selectors.ticket_list_for_caller(user=request.user), MINE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "hotline/public/mine.html", {"page": page})


@login_required
def mine_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    ticket = selectors.ticket_get_for_caller(user=request.user, pk=pk)
    timeline = selectors.ticket_timeline(ticket, public=True)
    caller = selectors.caller_view(request.user, ticket)
    return render(
        request, "hotline/public/mine_detail.html", {"ticket": ticket, "timeline": timeline, "caller": caller}
    )


def track(request: HttpRequest) -> HttpResponse:
    """Anyone: ticket number + follow-up code -> status, timeline and reply; nothing personal."""
    form = TrackForm(request.POST or None)
    ticket = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            ticket = selectors.ticket_lookup(number=form.cleaned_data["number"], code=form.cleaned_data["code"])
        if ticket is None:
            # One message whatever was wrong: it must not tell which of number or code was right.
            form.add_error(None, _("No ticket matches this number and follow-up code."))
            status = 404
    timeline = selectors.ticket_timeline(ticket, public=True) if ticket is not None else []
    return render(
        request, "hotline/public/track.html", {"form": form, "ticket": ticket, "timeline": timeline}, status=status
    )


def board(request: HttpRequest) -> HttpResponse:
    """The message board: published messages and their replies, never who wrote them."""
    form = BoardSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(selectors.ticket_list_board(query=query), BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "hotline/public/board.html", {"form": form, "page": page, "query": query})
