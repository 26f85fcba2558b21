"""The bodies of exchange messages and the answers to them (pydantic, as the API uses)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from dgov.crossregion.models import StatusReport


class ApplicantBody(Schema):
    # Individuals only for now: the receiving clerk takes their name, ID number and mobile number.
    kind: Literal["citizen"] = "citizen"
    name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=15, max_length=18)
    phone: str = Field(min_length=7, max_length=20)


class MaterialFileBody(Schema):
    # The material's position in the handling region's guide (GET /catalog/items/{code}).
    position: int = Field(ge=1, le=999)
    name: str = Field(max_length=200)
    file_name: str = Field(min_length=1, max_length=200)
    content_type: str = Field(max_length=64)
    sm3: str = Field(pattern=r"^[0-9a-f]{64}$")
    content: str  # base64


class HandoverBody(Schema):
    item_code: str = Field(min_length=1, max_length=64)
    receipt_number: str = Field(min_length=1, max_length=32)
    received_at: datetime
    receiving_department: str = Field(max_length=100)
    applicant: ApplicantBody
    form: dict[str, Any]
    materials: list[MaterialFileBody] = Field(default_factory=list, max_length=100)


class StatusBody(Schema):
    # The message id of the handover the case came from.
    handover_id: uuid.UUID
    case_number: str = Field(min_length=1, max_length=40)
    seq: int = Field(ge=1)
    event: StatusReport.Event
    case_status: str = Field(max_length=16)
    result: Literal["", "approved", "rejected", "refused", "withdrawn"] = ""
    note: str = Field(default="", max_length=4000)
    licence: str = Field(default="", max_length=128)
    at: datetime


class ExchangeKeyRead(Schema):
    region: str
    region_name: str
    regions: list[str]
    key_id: str
    public_key: str
    algorithm: str
    signer_id: str
    created_at: datetime
