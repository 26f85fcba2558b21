"""What a licence shows when printed or displayed: texts in the reader's language, ready for
dgov.licences.rendering (the PDF) and for the pages that show a licence "as printed".

Everything shown here is what was signed (dgov.licences.canonical): the holder's ID as printed
(masked for persons), the face fields, the validity. Nothing is read from the holder's account.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from dgov.licences.models import Licence, LicenceType
from dgov.licences.rendering import LicencePrint, render_pdf
from dgov.licences.verification import qr_content

# The five states a licence can be in, as badges and stamps say them. Contextual msgids: the
# catalogue's bare "Revoked" means an API token's 吊销, a licence is 撤销.
STATUS_LABELS = {
    "valid": pgettext_lazy("licence status", "Valid"),
    "expired": pgettext_lazy("licence status", "Expired"),
    "suspended": pgettext_lazy("licence status", "Suspended"),
    "revoked": pgettext_lazy("licence status", "Revoked"),
    "cancelled": pgettext_lazy("licence status", "Cancelled"),
}


def status_label(state: str) -> str:
    """The word for a licence's effective status (valid, expired, suspended, revoked, cancelled)."""
    label = STATUS_LABELS.get(state)
    return str(label) if label is not None else state


def _chinese(language: str) -> bool:
    return language.lower().startswith("zh")


def date_text(day: date, language: str) -> str:
    """2026年11月27日 in Chinese, ISO 8601 otherwise."""
    if _chinese(language):
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def period_text(start: date, end: date | None, language: str) -> str:
    """A period of validity as printed: "2026年1月1日 至 2030年12月31日", "2026年1月1日 至 长期"."""
    if _chinese(language):
        return f"{date_text(start, language)} 至 {date_text(end, language) if end else '长期'}"
    if end is None:
        return f"Long-term, from {date_text(start, language)}"
    return f"{date_text(start, language)} to {date_text(end, language)}"


def validity_text(licence: Licence, language: str) -> str:
    return period_text(licence.valid_from, licence.valid_until, language)


def face_rows(licence: Licence, language: str) -> list[tuple[str, str]]:
    """The face fields as (label, value), in the type's order; fields the type no longer names
    keep their key as label (they were signed, so they are shown)."""
    ltype = licence.type
    face = {str(k): str(v) for k, v in (licence.face or {}).items()}
    keys = [k for k in ltype.face_order() if k in face] + [k for k in face if k not in ltype.face_order()]
    return [(ltype.face_label(key, language), face[key]) for key in keys if face[key].strip()]


def type_name(ltype: LicenceType, language: str) -> str:
    """The licence type's name in language (the Chinese name when it has no English one)."""
    return ltype.name_en if not _chinese(language) and ltype.name_en else ltype.name


def licence_title(licence: Licence, language: str) -> str:
    ltype = licence.type
    if not _chinese(language) and ltype.name_en:
        return ltype.name_en
    return ltype.print_title or ltype.name


def licence_print(licence: Licence, *, language: str) -> LicencePrint:
    """Every text of the printed licence in language (zh-hans or en)."""
    with translation.override(language):
        state = licence.effective_status
        person = licence.holder_kind == LicenceType.Holder.PERSON
        return LicencePrint(
            title=licence_title(licence, language),
            identifier=licence.identifier,
            holder_label=_("Holder"),
            holder_name=licence.holder_name,
            holder_id_label=_("Citizen ID number") if person else _("Unified social credit code"),
            holder_id=licence.holder_id_shown,
            fields=face_rows(licence, language),
            issuer_name=licence.issuer.name,
            issued_on=date_text(timezone.localtime(licence.issued_at).date(), language),
            validity=validity_text(licence, language),
            status_note="" if state == "valid" else status_label(state),
            seal_png=bytes(licence.seal_key.seal.image_png),
            qr_payload=qr_content(licence),
            verify_url=f"{settings.DGOV_BASE_URL}/licences/verify/",
            language=language,
            note=licence.type.print_note,
            labels={
                "identifier": _("Licence identifier"),
                "issuer": _("Issued by"),
                "issued_on": _("Date of issue"),
                "validity": _("Period of validity"),
                "verify_hint": _(
                    "Scan the QR code to check this licence online; its signature can also be checked "
                    "offline with the keys the platform publishes."
                ),
            },
        )


def licence_pdf(licence: Licence, *, language: str = "zh-hans") -> bytes:
    """The licence as an A4 PDF in language."""
    return render_pdf(licence_print(licence, language=language))


def pdf_filename(licence: Licence) -> str:
    """The download name: the identifier, which is ASCII and unique."""
    return f"licence-{licence.identifier}.pdf"


def _iso_date(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return None


def document_rows(document: dict[str, object], ltype: LicenceType | None, language: str) -> list[tuple[str, str]]:
    """What a verifier may show of a signed document: the type, the holder as printed, the
    validity and the face fields, as (label, value). Labels come from the licence type when the
    register knows it, else the field keys are shown."""
    with translation.override(language):
        holder = document.get("holder") if isinstance(document.get("holder"), dict) else {}
        kind = document.get("type") if isinstance(document.get("type"), dict) else {}
        assert isinstance(holder, dict) and isinstance(kind, dict)
        person = holder.get("kind") == LicenceType.Holder.PERSON
        rows: list[tuple[str, str]] = [
            (_("Licence type"), str(kind.get("name") or "")),
            (_("Holder"), str(holder.get("name") or "")),
            (_("Citizen ID number") if person else _("Unified social credit code"), str(holder.get("id") or "")),
        ]
        start = _iso_date(document.get("valid_from"))
        end = _iso_date(document.get("valid_until")) if document.get("valid_until") else None
        if start is not None:
            rows.append((_("Period of validity"), period_text(start, end, language)))
        face = document.get("face") if isinstance(document.get("face"), dict) else {}
        assert isinstance(face, dict)
        order = ltype.face_order() if ltype is not None else []
        keys = [k for k in order if k in face] + [k for k in face if k not in order]
        for key in keys:
            value = str(face[key] if face[key] is not None else "").strip()
            if value:
                rows.append((ltype.face_label(str(key), language) if ltype is not None else str(key), value))
        return [(label, value) for label, value in rows if value]
