"""Checking what an applicant filled in against the item's form (dgov.catalog.formschema's subset).

``clean_form_data`` takes the raw values (strings from an HTML form, JSON values from the API) and
returns typed values and per-field error messages in the page's language. A draft is checked for
types only; a submission also for required fields.

Besides the schema, three field names carry a meaning of their own across every item's form, so
that a mistyped number is caught at the door, not by a clerk days later: ``id_number`` (a resident
ID number, GB 11643 check digit), ``credit_code`` (a unified social credit code, GB 32100 check
character) and ``phone`` and ``…_phone`` (a mobile number or a landline with its area code).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from dgov.core.validation import normalise_credit_code, normalise_id_number, normalise_phone

_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
MAX_TEXT = 10_000


def _phone(value: str) -> str:
    compact = re.sub(r"\s", "", value)
    if _LANDLINE.fullmatch(compact):
        return compact
    try:
        return normalise_phone(compact)
    except ValueError:
        raise ValueError(_("Enter a mobile number (11 digits) or a landline with its area code.")) from None


_NAMED_CHECKS = {
    "id_number": normalise_id_number,
    "credit_code": normalise_credit_code,
    "phone": _phone,
}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _coerce(name: str, spec: dict[str, Any], value: Any) -> Any:
    """One field's typed value; ValueError with the message to show."""
    kind = spec.get("type")
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("on", "true", "1", "yes"):
            return True
        if isinstance(value, str) and value.lower() in ("off", "false", "0", "no"):
            return False
        raise ValueError(_("Choose yes or no."))
    if kind == "integer":
        if isinstance(value, bool):
            raise ValueError(_("Enter a whole number."))
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,15}\s*", value):
            return int(value)
        raise ValueError(_("Enter a whole number."))
    if kind == "number":
        if isinstance(value, bool):
            raise ValueError(_("Enter a number."))
        if isinstance(value, int | float):
            return value
        if isinstance(value, str) and len(value) <= 30:
            try:
                number = Decimal(value.strip())
            except InvalidOperation:
                raise ValueError(_("Enter a number.")) from None
            if number.is_finite():
                return int(number) if number == number.to_integral_value() else float(number)
        raise ValueError(_("Enter a number."))
    # Text
    if not isinstance(value, str):
        raise ValueError(_("Enter text."))
    text = value.strip()
    limit = min(int(spec.get("maxLength", MAX_TEXT)), MAX_TEXT)
    if len(text) > limit:
        raise ValueError(
            _("At most %(limit)d characters (you entered %(count)d).") % {"limit": limit, "count": len(text)}
        )
    if spec.get("format") == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    check = _NAMED_CHECKS.get("phone" if name.endswith("_phone") else name)
    if check is not None:
        return check(text)
    return text


def clean_form_data(
    schema: dict[str, Any], raw: dict[str, Any], *, require: bool
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(typed values, field errors). Unknown names are refused; with require, required fields must be filled."""
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", [])) if require else set()
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    unknown = sorted(str(k) for k in raw if k not in properties)
    if unknown:
        errors["__all__"] = [_("The form has no field named %(names)s.") % {"names": ", ".join(unknown)}]
    for name, spec in properties.items():
        value = raw.get(name)
        if _blank(value):
            if spec.get("type") == "boolean" and require:
                # An unticked box sends nothing: it means no.
                data[name] = False
            elif name in required:
                errors[name] = [_("Please fill in %(field)s.") % {"field": spec.get("title", name)}]
            continue
        try:
            typed = _coerce(name, spec, value)
        except ValueError as exc:
            errors[name] = [str(exc)]
            continue
        if "enum" in spec and typed not in spec["enum"]:
            errors[name] = [_("Choose one of: %(options)s.") % {"options": "、".join(str(v) for v in spec["enum"])}]
            continue
        data[name] = typed
    return data, errors
