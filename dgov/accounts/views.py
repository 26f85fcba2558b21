"""Sign-in, second factor, personal centre, staff workbench and the three admin consoles."""

from __future__ import annotations

import base64

import segno
from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from dgov.accounts import selectors, services
from dgov.accounts.forms import ApiTokenForm, LoginForm, PasswordChangeForm, RoleGrantForm, TokenForm
from dgov.accounts.middleware import mfa_waived
from dgov.accounts.models import RoleAssignment, User
from dgov.accounts.permissions import Perm, has_perm, requires, roles_of
from dgov.accounts.requests import AuthedRequest
from dgov.audit.selectors import audit_chain_verify, audit_event_search
from dgov.core.errors import ApplicationError


class SignInView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _form_errors(form, exc: ApplicationError) -> None:  # type: ignore[no-untyped-def]
    for field, errs in exc.field_errors.items():
        for err in errs:
            form.add_error(field if field in form.fields else None, err)
    if not exc.field_errors:
        form.add_error(None, exc.message)


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """Where a signed-in person lands: staff to the workbench, others to the personal centre."""
    if request.user.kind == User.Kind.STAFF:
        if has_perm(request.user, Perm.WORKBENCH):
            return redirect("accounts:workbench")
        for perm, name in (
            (Perm.ADMIN_SITE, "admin:index"),
            (Perm.ROLES, "accounts:security"),
            (Perm.AUDIT_VIEW, "accounts:audit"),
        ):
            if has_perm(request.user, perm):
                return redirect(name)
    return redirect("accounts:centre")


# --- Second factor ------------------------------------------------------------------------------


@login_required
def mfa(request: AuthedRequest) -> HttpResponse:
    """Enrol a TOTP authenticator (QR code) on first sign-in, then ask for a code each time."""
    user = request.user
    next_url = _safe_next(request, reverse("accounts:home"))
    if user.is_verified():
        return HttpResponseRedirect(next_url)
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    form = TokenForm(request.POST or None)
    if confirmed is not None:
        if request.method == "POST" and form.is_valid():
            if confirmed.verify_token(form.cleaned_data["token"]):
                otp_login(request, confirmed)
                from dgov.audit import record

                record(actor=user, action="auth.mfa_passed", target=user, request=request)
                return HttpResponseRedirect(next_url)
            from dgov.audit import record

            record(actor=user, action="auth.mfa_failed", target=user, request=request)
            form.add_error("token", _("The code is not correct."))
        return render(request, "accounts/mfa_verify.html", {"form": form, "next": next_url})
    # Enrolment
    if request.method == "POST" and form.is_valid():
        try:
            device = services.totp_enrolment_confirm(actor=user, token=form.cleaned_data["token"], request=request)
        except ApplicationError as exc:
            _form_errors(form, exc)
        else:
            otp_login(request, device)
            messages.success(request, _("Your authenticator is set up."))
            return HttpResponseRedirect(next_url)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or services.totp_enrolment_start(actor=user)
    qr = segno.make(device.config_url, error="m")
    qr_svg = "data:image/svg+xml;base64," + base64.b64encode(qr.svg_inline(scale=4).encode()).decode()
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "accounts/mfa_enrol.html", {"form": form, "qr": qr_svg, "secret": secret, "next": next_url})


# --- Personal centre ------------------------------------------------------------------------------


@requires(Perm.PERSONAL_CENTRE)
def centre(request: AuthedRequest) -> HttpResponse:
    user = request.user
    reads = selectors.personal_data_reads_of(subject=user)[:20]
    return render(request, "accounts/centre.html", {"roles": sorted(roles_of(user)), "reads": reads})


@requires(Perm.PERSONAL_CENTRE)
@require_POST
def reveal_personal_data(request: AuthedRequest) -> HttpResponse:
    """The holder asks to see their own ID and phone numbers in full; the read is recorded."""
    services.personal_data_read(
        actor=request.user, subject=request.user, fields=["id_number", "phone"], request=request
    )
    return render(request, "accounts/_personal_data.html", {"revealed": True})


@requires(Perm.PERSONAL_CENTRE)
def password_change(request: AuthedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                actor=request.user, user=request.user, new_password=form.cleaned_data["new_password"], request=request
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password was changed."))
            return redirect("accounts:centre")
    return render(request, "accounts/password_change.html", {"form": form})


# --- Staff workbench -----------------------------------------------------------------------------


@requires(Perm.WORKBENCH)
def workbench(request: AuthedRequest) -> HttpResponse:
    user = request.user
    assignments = user.role_assignments.select_related("department", "region")
    return render(
        request,
        "accounts/workbench.html",
        {
            "assignments": assignments,
            "mfa_waived": mfa_waived(user),
            "can_window": has_perm(user, Perm.CASE_WINDOW),
            "can_manage_catalogue": has_perm(user, Perm.CATALOG_MANAGE),
            "can_manage_seals": has_perm(user, Perm.SEALS_MANAGE),
            "can_issue_licences": has_perm(user, Perm.LICENCE_ISSUE),
            "can_view_ratings": has_perm(user, Perm.RATINGS_VIEW),
            "can_review_exclusions": has_perm(user, Perm.RATINGS_EXCLUDE),
            "can_hotline": has_perm(user, Perm.HOTLINE_VIEW),
            "can_indicators": has_perm(user, Perm.INDICATORS_VIEW),
        },
    )


# --- Security administrator ------------------------------------------------------------------------


@requires(Perm.ROLES)
def security_console(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:50]
    page = Paginator(selectors.user_list_for_security_admin(actor=request.user, query=query), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "accounts/security.html", {"page": page, "q": query})


@requires(Perm.ROLES)
def security_user(request: AuthedRequest, pk: int) -> HttpResponse:
    subject = selectors.user_get_for_security_admin(actor=request.user, pk=pk)
    form = RoleGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_grant(
                actor=request.user,
                user=subject,
                role=form.cleaned_data["role"],
                department=form.cleaned_data["department"],
                region=form.cleaned_data["region"],
                request=request,
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Role granted."))
            return redirect("accounts:security_user", pk=subject.pk)
    return render(
        request,
        "accounts/security_user.html",
        {
            "subject": subject,
            "form": form,
            "assignments": subject.role_assignments.select_related("department", "region"),
            "has_device": TOTPDevice.objects.filter(user=subject, confirmed=True).exists(),
        },
    )


@requires(Perm.ROLES)
@require_POST
def security_role_revoke(request: AuthedRequest, pk: int, assignment_id: int) -> HttpResponse:
    subject = selectors.user_get_for_security_admin(actor=request.user, pk=pk)
    assignment = get_object_or_404(RoleAssignment, pk=assignment_id, user=subject)
    services.role_revoke(actor=request.user, assignment=assignment, request=request)
    messages.success(request, _("Role revoked."))
    return redirect("accounts:security_user", pk=subject.pk)


@requires(Perm.SECURITY)
@require_POST
def security_reset(request: AuthedRequest, pk: int) -> HttpResponse:
    """Unlock a locked-out account and/or remove its second factor."""
    subject = selectors.user_get_for_security_admin(actor=request.user, pk=pk)
    what = request.POST.get("what")
    from dgov.audit import record

    if what == "unlock":
        axes_reset(username=subject.username)
        record(actor=request.user, action="account.unlock", target=subject, request=request)
        messages.success(request, _("The account was unlocked."))
    elif what == "mfa":
        services.totp_reset(actor=request.user, user=subject, request=request)
        messages.success(request, _("The second factor was removed; the person enrols again at next sign-in."))
    else:
        messages.error(request, _("Unknown action."))
    return redirect("accounts:security_user", pk=subject.pk)


# --- Audit administrator -----------------------------------------------------------------------------


@requires(Perm.AUDIT_VIEW)
def audit_console(request: AuthedRequest) -> HttpResponse:
    filters = {k: request.GET.get(k, "")[:64] for k in ("action", "target_type", "actor")}
    page = Paginator(audit_event_search(**filters), 50).get_page(request.GET.get("page"))
    report = audit_chain_verify() if request.GET.get("verify") else None
    if report is not None:
        from dgov.audit import record

        record(
            actor=request.user,
            action="audit.verify",
            detail={"checked": report.checked, "intact": report.broken is None},
            request=request,
        )
    return render(request, "accounts/audit.html", {"page": page, "filters": filters, "report": report})


# --- System administrator: API tokens ------------------------------------------------------------------


@requires(Perm.API_TOKENS)
def api_tokens(request: AuthedRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    created_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, created_secret = services.api_token_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                department=form.cleaned_data["department"],
                expires_at=form.cleaned_data["expires_at"],
                request=request,
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
        else:
            form = ApiTokenForm()
    tokens = selectors.api_token_list_for_user(actor=request.user)
    return render(
        request, "accounts/api_tokens.html", {"form": form, "tokens": tokens, "created_secret": created_secret}
    )


@requires(Perm.API_TOKENS)
@require_POST
def api_token_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    token = selectors.api_token_get_for_user(actor=request.user, pk=pk)
    try:
        services.api_token_revoke(actor=request.user, token=token, request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The token was revoked."))
    return redirect("accounts:api_tokens")
