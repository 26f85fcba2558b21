"""The application form of an item: a small, checked subset of JSON Schema (draft 2020-12 words).

An empty object ``{}`` means the item has no online form yet. Otherwise the form is::

    {
      "type": "object",                      # required
      "title": "食品经营许可申请",            # optional text
      "description": "…",                    # optional text
      "properties": {                        # required, 1 to 100 fields, in display order
        "<name>": {                          # name: a letter, then letters, digits, _ (≤ 64)
          "type": "string" | "integer" | "number" | "boolean",
          "title": "经营场所",                # required: the label people see
          "description": "…",                # optional help text
          "format": "date",                  # strings only; the one format: an ISO date
          "maxLength": 200,                  # strings only; 1 to 10000
          "enum": ["a", "b"]                 # optional: 1 to 200 distinct values of the type
        }
      },
      "required": ["<name>", …]              # optional: distinct names of properties
    }

Any other keyword is refused rather than ignored, so a form never promises a check (a
``pattern``, a ``minimum``) that the platform would not make. The subset is what the case
layer's form renderer and validator understand; a wider schema is a change in both places.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

FIELD_TYPES = ("string", "integer", "number", "boolean")
FORMATS = ("date",)
MAX_FIELDS = 100
MAX_ENUM = 200
MAX_LENGTH = 10_000
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_TOP_KEYS = {"type", "title", "description", "properties", "required"}
_FIELD_KEYS = {"type", "title", "description", "format", "maxLength", "enum"}


def _text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 500


def _of_type(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_field(name: str, spec: Any) -> list[str]:
    at = f"properties.{name}"
    if not isinstance(spec, dict):
        return [_("%(at)s: a field is described by an object.") % {"at": at}]
    errors: list[str] = []
    for key in sorted(set(spec) - _FIELD_KEYS):
        errors.append(_("%(at)s: the keyword %(key)s is not supported.") % {"at": at, "key": key})
    kind = spec.get("type")
    if kind not in FIELD_TYPES:
        errors.append(
            _("%(at)s.type: use one of %(types)s.") % {"at": at, "types": ", ".join(FIELD_TYPES)}
            if kind is not None
            else _("%(at)s.type: every field needs a type.") % {"at": at}
        )
    if not _text(spec.get("title")):
        errors.append(_("%(at)s.title: every field needs a title of up to 500 characters.") % {"at": at})
    if "description" in spec and not _text(spec["description"]):
        errors.append(_("%(at)s.description: text of up to 500 characters.") % {"at": at})
    if "format" in spec:
        if kind != "string":
            errors.append(_("%(at)s.format: only text fields have a format.") % {"at": at})
        elif spec["format"] not in FORMATS:
            errors.append(_("%(at)s.format: the only format is date.") % {"at": at})
    if "maxLength" in spec:
        value = spec["maxLength"]
        if kind != "string":
            errors.append(_("%(at)s.maxLength: only text fields have a maximum length.") % {"at": at})
        elif not (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_LENGTH):
            errors.append(_("%(at)s.maxLength: a whole number from 1 to %(max)d.") % {"at": at, "max": MAX_LENGTH})
    if "enum" in spec:
        values = spec["enum"]
        if not isinstance(values, list) or not 1 <= len(values) <= MAX_ENUM:
            errors.append(_("%(at)s.enum: a list of 1 to %(max)d values.") % {"at": at, "max": MAX_ENUM})
        elif kind in FIELD_TYPES and not all(_of_type(v, kind) for v in values):
            errors.append(_("%(at)s.enum: every value must be of the field's type.") % {"at": at})
        elif len({repr(v) for v in values}) != len(values):
            errors.append(_("%(at)s.enum: the values must be distinct.") % {"at": at})
    return errors


def check_form_schema(schema: Any) -> list[str]:
    """Problems with a form schema, each starting with where it is; an empty list when it is good."""
    if schema == {}:
        return []
    if not isinstance(schema, dict):
        return [_("The form must be a JSON object.")]
    errors: list[str] = []
    for key in sorted(set(schema) - _TOP_KEYS):
        errors.append(_("%(at)s: the keyword %(key)s is not supported.") % {"at": "(form)", "key": key})
    if schema.get("type") != "object":
        errors.append(_('type: the form\'s type must be "object".'))
    for key in ("title", "description"):
        if key in schema and not _text(schema[key]):
            errors.append(_("%(at)s: text of up to 500 characters.") % {"at": key})
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not 1 <= len(properties) <= MAX_FIELDS:
        errors.append(_("properties: an object with 1 to %(max)d fields.") % {"max": MAX_FIELDS})
        properties = {}
    for name, spec in properties.items():
        if not _NAME.fullmatch(name):
            errors.append(
                _("properties.%(name)s: a field name starts with a letter and has only letters, digits and _.")
                % {"name": name}
            )
        errors.extend(_check_field(name, spec))
    if "required" in schema:
        required = schema["required"]
        if not isinstance(required, list) or not all(isinstance(n, str) for n in required):
            errors.append(_("required: a list of field names."))
        else:
            if len(set(required)) != len(required):
                errors.append(_("required: each field is named once."))
            for name in required:
                if name not in properties:
                    errors.append(_("required: %(name)s is not a field of the form.") % {"name": name})
    return errors


def form_fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields of a (checked) form in display order, for the guide: name, title, type, required."""
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "title": spec.get("title", name),
            "type": "date" if spec.get("format") == "date" else spec.get("type"),
            "required": name in required,
            "choices": spec.get("enum", []),
        }
        for name, spec in schema.get("properties", {}).items()
    ]
