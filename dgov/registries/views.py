"""Pages of the base registries for the people they describe: who used my data (谁用了我的数据)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dgov.accounts.models import User
from dgov.accounts.permissions import Perm, requires
from dgov.accounts.requests import AuthedRequest
from dgov.registries import selectors


@require_GET
@requires(Perm.PERSONAL_CENTRE)
def my_reads(request: AuthedRequest) -> HttpResponse:
    """Every read of the signed-in person's registry record (or their enterprise's), newest first."""
    user = request.user
    page = Paginator(selectors.registry_reads_for_user(user=user), 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": selectors.read_rows(page, viewer=user),
        "for_enterprise": user.kind == User.Kind.ENTERPRISE,
    }
    response = render(request, "registries/my_reads.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
