"""The catalogue as JSON: {"format": "dgov.catalog", "version": 1, "items": [...]}, codes for every choice.

Each item's four exemptions are written under ``"computed"`` (read-only: the platform computes them
from the configuration); an import ignores that key and the top-level ``material_exempt``,
``prefill``, ``e_seal`` and ``e_signature`` that files written before carry.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from typing import IO, Any

from django.utils.translation import gettext as _

from dgov.catalog.content import MATERIAL_FIELDS, ItemContent, MaterialContent
from dgov.catalog.exchange.common import (
    ITEM_DEFAULTS,
    JSON_FORMAT,
    JSON_VERSION,
    MATERIAL_DEFAULTS,
    MAX_ITEMS,
    ParsedCatalogue,
    ParsedItem,
    RowError,
    Where,
)
from dgov.catalog.exemptions import EXEMPTION_FIELDS
from dgov.core.errors import ApplicationError

# --- JSON ---------------------------------------------------------------------------------------


def _is_text(v: Any) -> bool:
    return isinstance(v, str)


def _is_whole(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


def _is_text_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _type_check(name: str, default: Any) -> Callable[[Any], bool]:
    if name == "form_schema":
        return lambda v: True  # the form rules report what is wrong with it
    if isinstance(default, bool):
        return _is_bool
    if isinstance(default, int):
        return _is_whole
    if isinstance(default, tuple):
        return _is_text_list
    return _is_text


COMPUTED_KEY = "computed"
_ITEM_TYPES = {
    f.name: _type_check(f.name, ITEM_DEFAULTS.get(f.name, 0 if f.name.endswith("_days") else ""))
    for f in dataclasses.fields(ItemContent)
    if f.name != "materials" and f.name not in EXEMPTION_FIELDS
}
# Keys an import accepts and does not read: the computed exemptions, new style and old.
_IGNORED_ITEM_KEYS = frozenset({"materials", COMPUTED_KEY, *EXEMPTION_FIELDS})
_MATERIAL_TYPES = {f: _type_check(f, MATERIAL_DEFAULTS.get(f, "")) for f in MATERIAL_FIELDS}
_REQUIRED_ITEM_KEYS = [
    f.name for f in dataclasses.fields(ItemContent) if f.name not in ITEM_DEFAULTS and f.name != "materials"
]
# Values of the right type for required keys that are missing (their error is already reported).
_BLANK = {name: 0 if name.endswith("_days") else "" for name in _REQUIRED_ITEM_KEYS}


def _json_values(
    data: dict[str, Any],
    types: dict[str, Callable[[Any], bool]],
    required: list[str],
    at: Where,
    prefix: str,
    errors: list[RowError],
    reported: set[str],
    key_prefix: str,
    ignored: frozenset[str] = frozenset({"materials"}),
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in sorted(set(data) - set(types) - ignored):
        errors.append(RowError(at.sheet, at.row, prefix + key, _("Unknown field.")))
    for name in required:
        if name not in data:
            errors.append(RowError(at.sheet, at.row, prefix + name, _("This is required.")))
            reported.add(key_prefix + name)
    for name, check in types.items():
        if name not in data:
            continue
        value = data[name]
        if not check(value):
            errors.append(RowError(at.sheet, at.row, prefix + name, _("A value of another type is expected here.")))
            reported.add(key_prefix + name)
            continue
        values[name] = tuple(value) if isinstance(value, list) and name != "form_schema" else value
    return values


def read_json(file: IO[bytes]) -> ParsedCatalogue:
    """Read a JSON catalogue; problems go to ``errors`` (sheet "items", row = position from 1)."""
    try:
        doc = json.loads(file.read().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApplicationError(_("This is not a JSON file in UTF-8."), code="not_json") from exc
    if not isinstance(doc, dict) or doc.get("format") != JSON_FORMAT or not isinstance(doc.get("items"), list):
        raise ApplicationError(
            _('This is not a catalogue file: expected {"format": "dgov.catalog", "items": […]}.'), code="not_catalogue"
        )
    if doc.get("version") != JSON_VERSION:
        raise ApplicationError(_("This catalogue file has a version this platform cannot read."), code="bad_version")
    if len(doc["items"]) > MAX_ITEMS:
        raise ApplicationError(_("The file has more than %(n)d items.") % {"n": MAX_ITEMS}, code="too_many_rows")
    parsed = ParsedCatalogue(format="json")
    sheet = "items"
    for number, data in enumerate(doc["items"], start=1):
        at = Where(sheet, number)
        if not isinstance(data, dict):
            parsed.errors.append(RowError(sheet, number, "", _("An item is a JSON object.")))
            continue
        reported: set[str] = set()
        values = _json_values(
            data, _ITEM_TYPES, _REQUIRED_ITEM_KEYS, at, "", parsed.errors, reported, "", _IGNORED_ITEM_KEYS
        )
        materials: list[MaterialContent] = []
        raw_materials = data.get("materials", [])
        if not isinstance(raw_materials, list):
            parsed.errors.append(RowError(sheet, number, "materials", _("A list of materials is expected here.")))
            raw_materials = []
        for n, m in enumerate(raw_materials, start=1):
            if not isinstance(m, dict):
                parsed.errors.append(RowError(sheet, number, f"materials[{n}]", _("A material is a JSON object.")))
                continue
            mvalues = _json_values(
                m, _MATERIAL_TYPES, ["name"], at, f"materials[{n}].", parsed.errors, reported, f"materials.{n}."
            )
            materials.append(MaterialContent(**{**MATERIAL_DEFAULTS, "name": "", **mvalues}))
        content = ItemContent(**{**ITEM_DEFAULTS, **_BLANK, **values, "materials": tuple(materials)})
        parsed.items.append(
            ParsedItem(
                content=content,
                at=at,
                columns={},
                material_at=[],
                material_columns={},
                reported=reported,
            )
        )
    return parsed


def _item(content: ItemContent) -> dict[str, Any]:
    data = content.as_dict()
    data[COMPUTED_KEY] = {name: data.pop(name) for name in EXEMPTION_FIELDS}
    return data


def write_json(contents: Iterable[ItemContent]) -> bytes:
    doc = {"format": JSON_FORMAT, "version": JSON_VERSION, "items": [_item(c) for c in contents]}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
