"""Pages of the esign app: an enterprise's e-seal (make, see, revoke), sending a one-time code to
sign an application, and the pictures (a seal, a drawn signature) for those entitled to see them.
Views parse, call one selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dgov.accounts.models import User
from dgov.accounts.permissions import Perm, has_perm, requires
from dgov.accounts.requests import AuthedRequest
from dgov.core.errors import ApplicationError
from dgov.esign import selectors, services
from dgov.esign.models import ApplicationSignature, EnterpriseSeal


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@requires(Perm.PERSONAL_CENTRE)
def seal(request: AuthedRequest) -> HttpResponse:
    """The enterprise's e-seal: the one in use and the revoked ones; make one when there is none."""
    user = request.user
    if user.kind != User.Kind.ENTERPRISE:
        return render(request, "esign/seal.html", {"not_enterprise": True}, status=403)
    if request.method == "POST":
        try:
            services.seal_create(actor=user, request=request)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your enterprise's e-seal is made. Online applications now carry it."))
        return redirect("esign:seal")
    seals = list(selectors.seals_of_enterprise(user=user))
    in_use = next((s for s in seals if s.status == EnterpriseSeal.Status.ACTIVE), None)
    return _private(
        render(request, "esign/seal.html", {"in_use": in_use, "revoked": [s for s in seals if s is not in_use]})
    )


@require_POST
@requires(Perm.PERSONAL_CENTRE)
def seal_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(selectors.seals_of_enterprise(user=request.user), pk=pk)
    try:
        services.seal_revoke(actor=request.user, seal=found, reason=request.POST.get("reason", ""), request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The seal is revoked. What it signed can still be checked."))
    return redirect("esign:seal")


@require_GET
@login_required
def seal_picture(request: AuthedRequest, pk: int) -> HttpResponse:
    """A seal's picture: for the enterprise itself and for staff who read cases."""
    found = selectors.seals_of_enterprise(user=request.user).filter(pk=pk).first()
    if found is None and has_perm(request.user, Perm.CASE_VIEW):
        found = EnterpriseSeal.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return _private(HttpResponse(bytes(found.image_png), content_type="image/png"))


@require_GET
@login_required
def signature_drawing(request: AuthedRequest, pk: int) -> HttpResponse:
    """A drawn signature, for the case's applicant and for staff who cover the case."""
    from dgov.cases.selectors import case_get_for_user

    signature = get_object_or_404(ApplicationSignature, pk=pk, kind=ApplicationSignature.Kind.DRAWN)
    case_get_for_user(user=request.user, pk=signature.case_id)  # 404 for anyone else
    return _private(HttpResponse(selectors.drawing_png(signature), content_type="image/png"))


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
@requires(Perm.PERSONAL_CENTRE)
def code_send(request: AuthedRequest) -> HttpResponse:
    """Send the one-time code that signs the application for an item (or a bundle)."""
    subject = request.POST.get("subject", "")[:64]
    name = selectors.subject_name(subject)
    if not name:
        raise Http404
    try:
        sent = services.signing_code_send(actor=request.user, subject=subject, subject_name=name, request=request)
    except ApplicationError as exc:
        if _wants_json(request):
            return JsonResponse({"error": exc.code, "message": exc.message}, status=exc.status)
        messages.error(request, exc.message)
    else:
        text = _("A code was sent to %(phone)s; it is valid for 10 minutes.") % {"phone": sent.phone_shown}
        if _wants_json(request):
            return JsonResponse(
                {"sent_to": sent.phone_shown, "expires_at": sent.expires_at.isoformat(), "message": text}
            )
        messages.success(request, text)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    return redirect(back)
