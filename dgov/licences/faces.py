"""Face fields (照面信息): checking a licence type's face schema and filling a face from a case.

A face schema is a JSON Schema object whose properties are strings. ``x-source`` says where an
issued-on-approval licence takes the value from:

- ``form.<field>``: the applicant's form field;
- ``holder.name`` / ``holder.id``: the holder's name, the ID as printed (masked for persons);
- ``case.number``, ``item.name``, ``issuer.name``, ``date.issued`` (the issue date, 2026年11月27日);
- ``const:<text>``: fixed text.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.core.masking import mask_id_number
from dgov.core.workdays import local_date
from dgov.licences.models import LicenceType

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SOURCES = ("holder.name", "holder.id", "case.number", "item.name", "issuer.name", "date.issued")
MAX_VALUE = 500


def face_schema_errors(schema: dict[str, Any]) -> list[str]:
    """What is wrong with a face schema (empty when it is usable)."""
    errors: list[str] = []
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict) or not props:
        return [_("The face schema needs at least one property.")]
    for key, spec in props.items():
        if not KEY_RE.match(str(key)):
            errors.append(_("Face field %(key)s: use lower-case letters, digits and _.") % {"key": key})
            continue
        if not isinstance(spec, dict) or spec.get("type", "string") != "string" or not spec.get("title"):
            errors.append(_("Face field %(key)s: a string with a title.") % {"key": key})
            continue
        source = str(spec.get("x-source", ""))
        if source and not (source in SOURCES or source.startswith(("form.", "const:"))):
            errors.append(_("Face field %(key)s: unknown source %(source)s.") % {"key": key, "source": source})
    for key in schema.get("required") or []:
        if key not in props:
            errors.append(_("Required face field %(key)s is not a property.") % {"key": key})
    return errors


def face_clean(ltype: LicenceType, values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, str]:
    """The face values as strings, only the schema's fields; problems go into errors under face.<key>."""
    props = (ltype.face_schema or {}).get("properties") or {}
    required = set((ltype.face_schema or {}).get("required") or [])
    clean: dict[str, str] = {}
    for key in ltype.face_order():
        spec = props[key]
        raw = values.get(key)
        text = "" if raw is None else str(raw).strip()
        limit = min(int(spec.get("maxLength") or MAX_VALUE), MAX_VALUE)
        if not text:
            if key in required:
                errors[f"face.{key}"] = [_("%(label)s is required.") % {"label": spec.get("title", key)}]
            continue
        if len(text) > limit:
            errors[f"face.{key}"] = [_("At most %(n)d characters.") % {"n": limit}]
            continue
        clean[key] = text
    unknown = sorted(set(values) - set(props))
    if unknown:
        errors["face"] = [_("Not fields of this licence: %(keys)s") % {"keys": ", ".join(map(str, unknown))}]
    return clean


def holder_shown(kind: str, holder_id: str) -> str:
    """The holder's ID as printed and signed: a credit code in full, a person's ID number masked."""
    return holder_id if kind == LicenceType.Holder.ENTERPRISE else mask_id_number(holder_id)


def holder_of_case(case: Any) -> dict[str, Any]:
    """Who a licence for case is issued to: the applicant, as a person or as an enterprise."""
    applicant = case.applicant
    if applicant.kind == "enterprise":
        return {
            "holder_kind": LicenceType.Holder.ENTERPRISE,
            "holder_name": applicant.enterprise_name or applicant.display_name,
            "holder_id": applicant.enterprise_credit_code,
            "holder_user": applicant,
        }
    return {
        "holder_kind": LicenceType.Holder.PERSON,
        "holder_name": applicant.real_name or applicant.display_name,
        "holder_id": applicant.id_number or "",
        "holder_user": applicant,
    }


def face_from_case(ltype: LicenceType, case: Any) -> dict[str, str]:
    """Face values taken from the case by each field's x-source (fields without a value are left out)."""
    props = (ltype.face_schema or {}).get("properties") or {}
    form = case.form_data
    holder = holder_of_case(case)
    today = local_date(timezone.now())
    known = {
        "holder.name": holder["holder_name"],
        "holder.id": holder_shown(holder["holder_kind"], holder["holder_id"] or ""),
        "case.number": case.number or "",
        "item.name": case.item.name,
        "issuer.name": ltype.issuer.name,
        "date.issued": f"{today.year}年{today.month}月{today.day}日",
    }
    values: dict[str, str] = {}
    for key, spec in props.items():
        source = str(spec.get("x-source", ""))
        if source.startswith("form."):
            value = form.get(source[5:])
        elif source.startswith("const:"):
            value = source[6:]
        else:
            value = known.get(source)
        if value not in (None, ""):
            values[key] = str(value)
    return values
