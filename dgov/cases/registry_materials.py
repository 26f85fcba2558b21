"""免提交 from the registries: at submission, each material whose source is a base registry is
read for the applicant and kept with the case (``CaseRegistryMaterial``), instead of an upload.

The read is logged for the person or enterprise it concerns (谁用了我的数据) with the case number;
the submission's audit record lists it. A material about a kind of subject the applicant is not
(a person's household register for an enterprise's application) or a record the registry lacks is
kept as not found, so the department sees it must check that material itself.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.cases.models import Case, CaseRegistryMaterial
from dgov.cases.prefill import applicant_subject
from dgov.catalog.models import ItemMaterial
from dgov.core import crypto
from dgov.core.masking import mask_id_number


def take_registry_materials(*, case: Case, materials: list[ItemMaterial], actor: Any) -> dict[str, list[str]]:
    """Read and keep the registry data standing in for the item's registry-sourced materials.
    Returns the fields read by subject kind, for the submission's audit record."""
    from dgov.registries.selectors import FIELD_LABELS, field_keys
    from dgov.registries.services import registry_read

    # Only what the base registries hold (人口库, 法人库); other shared data (a tax record, a
    # retirement approval) comes through its own department's exchange, not from here.
    wanted = [m for m in materials if m.source == ItemMaterial.Source.REGISTRY and m.source_ref in FIELD_LABELS]
    if not wanted:
        return {}
    kind, key = applicant_subject(case.applicant)
    # One read of the applicant's record for all the materials about them (one log line naming each).
    mine = [m for m in wanted if key and m.source_ref.split(".", 1)[0] == kind]
    facts: dict[str, Any] = {}
    if mine:
        names = "、".join(f"“{m.name}”" for m in mine)
        facts = (
            registry_read(
                subject_kind=kind,
                key=key,
                fields=sorted({m.source_ref for m in mine}),
                purpose=(
                    _("Material %(material)s of %(item)s, taken instead of an upload")
                    % {"material": names, "item": case.item.name}
                )[:200],
                case_number=case.number or "",
                actor=actor,
                audit=False,
            )
            or {}
        )
    revision = facts.get("revision")
    now = timezone.now()
    rows = []
    for material in wanted:
        row = CaseRegistryMaterial(case=case, item_material=material, path=material.source_ref, taken_at=now)
        if material in mine and facts:
            own = {k: facts[k] for k in field_keys(material.source_ref) if k in facts}
            text = json.dumps(own, ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder)
            row.facts_json = text
            row.revision = revision
            row.sm3 = crypto.sm3_hex(text.encode())
        else:
            row.found = False
        rows.append(row)
    CaseRegistryMaterial.objects.bulk_create(rows)
    return {kind: sorted({m.source_ref for m in mine})} if mine else {}


def registry_material_rows(*, case: Case) -> list[dict[str, Any]]:
    """What a case page shows of the registry data taken for it (ID numbers masked)."""
    from dgov.registries.selectors import field_label

    out = []
    for row in case.registry_materials.select_related("item_material"):
        prefix = row.path.split(".", 1)[0]
        facts = []
        for name, value in row.facts.items():
            if name == "id_number" and value:
                value = mask_id_number(str(value))
            if isinstance(value, bool):
                value = _("Yes") if value else _("No")
            facts.append({"label": field_label(f"{prefix}.{name}"), "value": value})
        out.append({"row": row, "source": field_label(row.path), "facts": facts})
    return out
