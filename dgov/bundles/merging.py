"""The one form and the one material list of a bundle, merged from its items, and the way back.

Fields are merged by name: a field several items ask for (``applicant_name``, ``id_number``,
``org_name`` …) is asked once and its value goes to each of them. Two definitions of one name are
compatible when they agree on what the value is (type, date format, allowed values); the title and
help text of the first item are shown, and the shorter maximum length holds, so the one value
satisfies every item. Anything else is a conflict, refused when the bundle is defined.

Materials are merged by name and source (and the registry field or licence type they come from):
a material two items ask for is uploaded once and stored for each child case. The application
forms themselves (《…》) are the merged form, so they are not listed.

The merged material is named in forms by its first member's id (``material_<id>``,
``licence_<id>``), the same names the cases pages use, so the cases partial templates render it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from dgov.cases.services import material_is_online_form, material_needs_upload
from dgov.catalog.models import ItemMaterial, ServiceItem

# What a value is: two fields of one name must agree on these to be asked once.
_MEANING_KEYS = ("type", "format", "enum")


@dataclass
class MergedMaterial:
    material: ItemMaterial  # the first item's: its id names the merged row in forms
    members: list[ItemMaterial] = field(default_factory=list)
    items: list[ServiceItem] = field(default_factory=list)

    @property
    def key(self) -> int:
        return int(self.material.pk)

    @property
    def upload(self) -> bool:
        return self.material.source == ItemMaterial.Source.APPLICANT

    @property
    def required(self) -> bool:
        """An online applicant must upload it (for at least one of the items)."""
        return any(material_needs_upload(m) for m in self.members)

    @property
    def is_licence(self) -> bool:
        return self.material.source == ItemMaterial.Source.LICENCE


@dataclass
class MergedForm:
    items: list[ServiceItem]
    schema: dict[str, Any]
    materials: list[MergedMaterial]

    @property
    def promised_days(self) -> int:
        return max((i.promised_days for i in self.items), default=0)

    def fields_of(self, item: ServiceItem) -> list[str]:
        return list(item.form_schema.get("properties", {}))

    def data_for(self, item: ServiceItem, data: Mapping[str, Any]) -> dict[str, Any]:
        """The item's own fields taken from the merged form."""
        return {name: data[name] for name in self.fields_of(item) if name in data}

    def uploads_for(self, item: ServiceItem, uploads: Mapping[int, Iterable[Any]]) -> dict[int, list[Any]]:
        """The files sent for merged materials, by the item's own material ids."""
        result: dict[int, list[Any]] = {}
        for merged in self.materials:
            files = list(uploads.get(merged.key, []))
            if not files:
                continue
            for member in merged.members:
                if member.item_id == item.pk:
                    result[int(member.pk)] = files
        return result

    def licences_for(self, item: ServiceItem, chosen: Mapping[int, int]) -> dict[int, int]:
        """The wallet licences chosen for merged materials, by the item's own material ids."""
        result: dict[int, int] = {}
        for merged in self.materials:
            if merged.key not in chosen:
                continue
            for member in merged.members:
                if member.item_id == item.pk:
                    result[int(member.pk)] = chosen[merged.key]
        return result

    def merged_key(self, item: ServiceItem, key: str) -> str | None:
        """The merged form's name for a child's error key (a field, ``material_<id>``,
        ``licence_<id>``); None when the key names nothing of the merged form."""
        if key in self.schema.get("properties", {}):
            return key
        prefix, _sep, rest = key.partition("_")
        if prefix in ("material", "licence") and rest.isdigit():
            for merged in self.materials:
                if any(m.pk == int(rest) and m.item_id == item.pk for m in merged.members):
                    return f"{prefix}_{merged.key}"
        return None

    def material_keys(self) -> set[int]:
        return {m.key for m in self.materials}


def _meaning(spec: dict[str, Any]) -> tuple[Any, ...]:
    enum = spec.get("enum")
    return (spec.get("type"), spec.get("format"), tuple(sorted(map(repr, enum))) if enum else None)


def _describe(spec: dict[str, Any]) -> str:
    words = [str(spec.get("type"))]
    if spec.get("format"):
        words.append(str(spec["format"]))
    if spec.get("enum"):
        words.append("[" + "、".join(str(v) for v in spec["enum"]) + "]")
    return " ".join(words)


def merge_schemas(items: list[ServiceItem]) -> tuple[dict[str, Any], list[str]]:
    """(merged form schema, conflicts): every field once, in order of first appearance."""
    properties: dict[str, dict[str, Any]] = {}
    first_of: dict[str, ServiceItem] = {}
    required: list[str] = []
    conflicts: list[str] = []
    for item in items:
        schema = item.form_schema or {}
        for name, spec in schema.get("properties", {}).items():
            if name not in properties:
                properties[name] = dict(spec)
                first_of[name] = item
                continue
            merged = properties[name]
            if _meaning(merged) != _meaning(spec):
                conflicts.append(
                    _(
                        "The field %(field)s means different things: %(first)s asks for %(a)s, "
                        "%(second)s for %(b)s. Rename one of them or make them agree."
                    )
                    % {
                        "field": name,
                        "first": first_of[name].name,
                        "a": _describe(merged),
                        "second": item.name,
                        "b": _describe(spec),
                    }
                )
                continue
            if "maxLength" in spec:
                merged["maxLength"] = min(int(spec["maxLength"]), int(merged.get("maxLength", spec["maxLength"])))
        for name in schema.get("required", []):
            if name not in required:
                required.append(name)
    return {"type": "object", "properties": properties, "required": required}, conflicts


def merge_materials(items: list[ServiceItem]) -> list[MergedMaterial]:
    """Each material once (by name, source and source reference), in order of first appearance."""
    merged: dict[tuple[str, str, str], MergedMaterial] = {}
    for item in items:
        for material in item.materials.all():
            if material_is_online_form(material):
                continue
            key = (material.name, material.source, material.source_ref)
            row = merged.get(key)
            if row is None:
                row = merged[key] = MergedMaterial(material=material)
            row.members.append(material)
            row.items.append(item)
    return list(merged.values())


def subject_conflicts(items: list[ServiceItem]) -> list[str]:
    """A bundle some of whose items only individuals and others only enterprises may apply for
    has no possible applicant."""
    subjects = {i.subject for i in items}
    if {ServiceItem.Subject.PERSON, ServiceItem.Subject.ENTERPRISE} <= subjects:
        return [_("Some items are for individuals only and others for enterprises only: nobody could apply.")]
    return []


def merge(items: list[ServiceItem]) -> tuple[MergedForm, list[str]]:
    """The merged form of items and the conflicts that keep it from being offered."""
    schema, conflicts = merge_schemas(items)
    conflicts += subject_conflicts(items)
    for item in items:
        if not item.form_schema:
            conflicts.append(_("%(item)s has no application form.") % {"item": item.name})
    return MergedForm(items=items, schema=schema, materials=merge_materials(items)), conflicts
