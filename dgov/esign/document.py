"""The application document an applicant's signature covers, as canonical bytes.

What an applicant signs is what the case holds at submission: the case number, the item and its
version, the applicant, the form as submitted, each stored material's SM3 digest and the licences
presented from the wallet, and the channel. The document is JSON with sorted keys and no spaces,
UTF-8, so the same application always gives the same bytes and the same SM3 digest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from dgov.core import crypto

VERSION = 1


def application_document(
    *,
    case: Any,
    materials: Iterable[Any],
    licence_identifiers: Iterable[str],
    signed_at: datetime,
) -> bytes:
    applicant = case.applicant
    if applicant.enterprise_credit_code and applicant.kind == "enterprise":
        who = {"kind": "enterprise", "name": applicant.enterprise_name, "id": applicant.enterprise_credit_code}
    else:
        who = {"kind": "person", "name": applicant.real_name, "id": applicant.id_number}
    body = {
        "v": VERSION,
        "case": case.number,
        "item": {"code": case.item.code, "version": case.item.version, "name": case.item.name},
        "applicant": who,
        "channel": case.channel,
        "form": case.form_data,
        "materials": sorted(
            ({"material": m.item_material_id, "name": m.original_name, "sm3": m.sm3} for m in materials),
            key=lambda m: (m["material"] or 0, m["sm3"]),
        ),
        "licences": sorted(licence_identifiers),
        "signed_at": signed_at.isoformat(timespec="seconds"),
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder).encode()


def digest(document: bytes) -> str:
    return crypto.sm3_hex(document)
