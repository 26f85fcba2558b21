"""Pages of e-licences for holders and the public: the wallet (证照夹), a licence with its QR code,
PDF and share links, who used my licences, a shared licence, the public check of a QR code or
identifier, and the published seal keys. Views parse, call one selector or service, render."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dgov.accounts.requests import AuthedRequest
from dgov.core.errors import ApplicationError
from dgov.licences import selectors, services
from dgov.licences.models import Licence, Seal
from dgov.licences.printing import (
    document_rows,
    licence_pdf,
    licence_print,
    pdf_filename,
    status_label,
    type_name,
    validity_text,
)
from dgov.licences.verification import (
    MALFORMED,
    MAX_INPUT,
    SIGNATURE_INVALID,
    UNKNOWN,
    Verdict,
    qr_content,
    verify_licence,
    verify_text,
)

SHARE_DAYS_DEFAULT = 7
SIGNER_ID = "1234567812345678"
CANONICAL_FORM = (
    "QR text: <base URL>/licences/verify/?c=JHL1.<document>.<signature>. <document> is base64url (no padding) "
    "of the signed JSON: UTF-8, keys sorted, no whitespace (separators ',' and ':'), Chinese not escaped. "
    "<signature> is base64url of the DER-encoded SM2 signature (GB/T 35276) with SM3 and signer ID "
    "1234567812345678 over exactly those bytes; verify it with the public key whose key_id is the "
    'document\'s "kid".'
)

# How a licence status and a verdict are shown: a colour class, an icon and words; colour never
# stands alone.
STATUS_LOOK = {
    "valid": ("ok", "✔"),
    "expired": ("warn", "⚠"),
    "suspended": ("warn", "⏸"),
    "revoked": ("bad", "✖"),
    "cancelled": ("bad", "✖"),
}
VERDICT_LOOK: dict[str, tuple[str, str, Any]] = {
    SIGNATURE_INVALID: ("bad", "✖", gettext_lazy("Signature invalid: the content was altered")),
    UNKNOWN: ("none", "?", gettext_lazy("Not in the register")),
    MALFORMED: ("none", "?", gettext_lazy("Not a licence code")),
}


def _language() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


def _colon() -> str:
    """A colon after a label: full-width in Chinese."""
    return "：" if _language() == "zh-hans" else ": "


def _badge(licence: Licence) -> dict[str, str]:
    state = licence.effective_status
    tone, icon = STATUS_LOOK.get(state, ("none", "?"))
    return {"state": state, "tone": tone, "icon": icon, "label": status_label(state)}


def _verdict_look(verdict: Verdict) -> dict[str, Any]:
    if verdict.state in STATUS_LOOK:
        tone, icon = STATUS_LOOK[verdict.state]
        word: Any = status_label(verdict.state)
    else:
        tone, icon, word = VERDICT_LOOK.get(verdict.state, VERDICT_LOOK[MALFORMED])
    return {"verdict": verdict, "tone": tone, "icon": icon, "word": word}


def _qr_svg(licence: Licence) -> SafeString:
    """The licence's QR code as inline SVG, dark on white whatever the page's colours."""
    qr = segno.make(qr_content(licence), error="m")
    svg = qr.svg_inline(scale=3, omitsize=True, dark="#000", light="#fff", title=_("QR code of the licence"))
    return mark_safe(svg)  # noqa: S308 - segno's own markup; the title is escaped by segno


def _printed(licence: Licence) -> dict[str, Any]:
    """What the pages show of a licence "as printed", the same texts as its PDF."""
    printed = licence_print(licence, language=_language())
    return {
        "licence": licence,
        "name": type_name(licence.type, _language()),
        "printed": printed,
        "colon": _colon(),
        "badge": _badge(licence),
        "seal_src": "data:image/png;base64," + base64.b64encode(printed.seal_png).decode("ascii"),
        "qr_svg": _qr_svg(licence),
        "check": _verdict_look(verify_licence(licence)),
    }


def _pdf_response(licence: Licence) -> HttpResponse:
    response = HttpResponse(licence_pdf(licence, language=_language()), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(licence)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _private(response: HttpResponse) -> HttpResponse:
    """A page that carries a secret link or a person's licence: not cached, not indexed, no referrer."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- The holder's wallet -----------------------------------------------------------------------


@login_required
def wallet(request: AuthedRequest) -> HttpResponse:
    """证照夹: the licences issued to me, or to the enterprise my account stands for."""
    page = Paginator(selectors.licence_list_for_holder(user=request.user), 20).get_page(request.GET.get("page"))
    language = _language()
    cards = [
        {
            "licence": lic,
            "name": type_name(lic.type, language),
            "badge": _badge(lic),
            "validity": validity_text(lic, language),
        }
        for lic in page
    ]
    return render(request, "licences/wallet.html", {"page": page, "cards": cards})


_NEW_LINK = "licences_new_share_link"


def _detail(
    request: AuthedRequest, licence: Licence, *, new_link: str = "", errors: list[str] | None = None, days: Any = None
) -> dict[str, Any]:
    try:
        following: Licence | None = licence.next
    except Licence.next.RelatedObjectDoesNotExist:
        following = None
    return {
        **_printed(licence),
        "previous": licence.previous,
        "following": following,
        "shares": selectors.licence_shares_for_holder(user=request.user, licence=licence),
        "new_link": new_link,
        "share_errors": errors or [],
        "days": days if days is not None else SHARE_DAYS_DEFAULT,
        "days_max": services.SHARE_DAYS_MAX,
    }


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    licence = selectors.licence_get_for_holder(user=request.user, pk=pk)
    fresh = request.session.pop(_NEW_LINK, None)
    link = fresh["link"] if isinstance(fresh, dict) and fresh.get("licence") == licence.pk else ""
    return _private(render(request, "licences/detail.html", _detail(request, licence, new_link=link)))


@login_required
def pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    licence = selectors.licence_get_for_holder(user=request.user, pk=pk)
    return _pdf_response(licence)


@login_required
@require_POST
def share_create(request: AuthedRequest, pk: int) -> HttpResponse:
    """Make a share link and show it once: only its digest is stored."""
    licence = selectors.licence_get_for_holder(user=request.user, pk=pk)
    raw = request.POST.get("days", "").strip()[:3]
    days = int(raw) if raw.isdigit() else 0
    try:
        _share, token = services.licence_share_create(actor=request.user, licence=licence, days=days, request=request)
    except ApplicationError as exc:
        errors = [m for msgs in exc.field_errors.values() for m in msgs] or [exc.message]
        context = _detail(request, licence, errors=errors, days=raw)
        return _private(render(request, "licences/detail.html", context, status=400))
    # Shown once, after a redirect, so that reloading the page does not make a second link.
    request.session[_NEW_LINK] = {
        "licence": licence.pk,
        "link": settings.DGOV_BASE_URL + reverse("licences:share", args=[token]),
    }
    return redirect("licences:detail", pk=licence.pk)


@login_required
@require_POST
def share_revoke(request: AuthedRequest, pk: int, share_pk: int) -> HttpResponse:
    licence = selectors.licence_get_for_holder(user=request.user, pk=pk)
    share = get_object_or_404(selectors.licence_shares_for_holder(user=request.user, licence=licence), pk=share_pk)
    services.licence_share_revoke(actor=request.user, share=share, request=request)
    messages.success(request, _("The link was stopped. Whoever has it can no longer open the licence."))
    return redirect("licences:detail", pk=licence.pk)


@login_required
def uses(request: AuthedRequest) -> HttpResponse:
    """Who used my licences: presented in my applications, or looked up by staff for a case."""
    page = Paginator(selectors.licence_uses_for_holder(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "licences/uses.html", {"page": page})


# --- Shared with a link ------------------------------------------------------------------------


def _shared_or_gone(request: HttpRequest, token: str) -> Licence | HttpResponse:
    licence = selectors.licence_get_by_share(token=token)
    if licence is None:
        return _private(render(request, "licences/share_gone.html", status=404))
    return licence


@require_GET
def share(request: HttpRequest, token: str) -> HttpResponse:
    licence = _shared_or_gone(request, token)
    if isinstance(licence, HttpResponse):
        return licence
    context = {**_printed(licence), "pdf_url": reverse("licences:share_pdf", args=[token])}
    return _private(render(request, "licences/share.html", context))


@require_GET
def share_pdf(request: HttpRequest, token: str) -> HttpResponse:
    licence = _shared_or_gone(request, token)
    if isinstance(licence, HttpResponse):
        return licence
    return _private(_pdf_response(licence))


# --- Public verification -----------------------------------------------------------------------


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """Check what a QR code holds (?c=, where phone cameras land) or what a person pasted (?q=).
    Any input gets an answer on a normal page; nothing here raises on bad input."""
    scanned = request.GET.get("c")
    pasted = request.GET.get("q")
    context: dict[str, Any] = {"max_input": MAX_INPUT, "text": "", "colon": _colon()}
    if scanned is not None or pasted is not None:
        text = scanned if scanned is not None else pasted or ""
        verdict = verify_text(text)
        context["check"] = _verdict_look(verdict)
        if pasted is not None and len(pasted) <= MAX_INPUT:
            context["text"] = pasted
        trusted = verdict.document and verdict.state not in (SIGNATURE_INVALID, MALFORMED)
        if trusted:
            ltype = verdict.licence.type if verdict.licence is not None else None
            context["rows"] = document_rows(verdict.document, ltype, _language())
            context["identifier"] = str(verdict.document.get("id") or "")
    return _private(render(request, "licences/verify.html", context))


# --- Published keys ----------------------------------------------------------------------------


def keys_document() -> dict[str, Any]:
    """The public key list third parties verify QR payloads with (also at /api/v1/licences/keys)."""
    return {
        "algorithm": "SM2-with-SM3",
        "signer_id": SIGNER_ID,
        "canonical_form": CANONICAL_FORM,
        "keys": selectors.published_keys(),
    }


@require_GET
def keys_json(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(keys_document(), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def keys(request: HttpRequest) -> HttpResponse:
    labels = dict(Seal.Status.choices)
    rows = [
        {**k, "seal_status_label": labels.get(k["seal_status"], k["seal_status"])} for k in selectors.published_keys()
    ]
    context = {"keys": rows, "signer_id": SIGNER_ID, "json_url": reverse("licences:keys_json")}
    return render(request, "licences/keys.html", context)
