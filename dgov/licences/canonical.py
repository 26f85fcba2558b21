"""The signed form of a licence: canonical JSON (docs/licences.md).

The signed document is a JSON object with sorted keys, UTF-8, no insignificant whitespace
(``separators=(",", ":")``), no ASCII escaping of Chinese text, every value a string, null, or an
object of those. Fields::

    {"face": {<face field>: <text>, ...},
     "holder": {"id": <credit code, or masked ID number>, "kind": "person"|"enterprise", "name": ...},
     "id": <licence identifier>,
     "issued_at": "2026-11-27T10:15:00+08:00",
     "issuer": {"credit_code": ..., "name": ...},
     "kid": <seal key id>,
     "type": {"code": <21-character type code>, "name": ...},
     "v": "1",
     "valid_from": "2026-11-27", "valid_until": "2031-11-26" | null}

The signature is SM2 with SM3 (GB/T 32918.2, signer id 1234567812345678) over exactly these bytes,
DER-encoded (GB/T 35276).
"""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from dgov.licences.models import Licence

FORMAT_VERSION = "1"


def canonical_bytes(document: dict[str, Any]) -> bytes:
    """document in canonical JSON."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def licence_document(licence: Licence) -> dict[str, Any]:
    """The signed content of a stored licence, rebuilt from its columns."""
    issued = timezone.localtime(licence.issued_at).replace(microsecond=0)
    return {
        "face": {str(k): str(v) for k, v in (licence.face or {}).items()},
        "holder": {"id": licence.holder_id_shown, "kind": licence.holder_kind, "name": licence.holder_name},
        "id": licence.identifier,
        "issued_at": issued.isoformat(),
        "issuer": {"credit_code": licence.issuer.credit_code or "", "name": licence.issuer.name},
        "kid": licence.seal_key.key_id,
        "type": {"code": licence.type.type_code, "name": licence.type.name},
        "v": FORMAT_VERSION,
        "valid_from": licence.valid_from.isoformat(),
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
    }
