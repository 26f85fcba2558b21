"""The content of an item version as plain data, and the rules it must follow.

``ItemContent`` is what a department writes (by hand, from a spreadsheet or a JSON file) and what
an export reads back: every field of a guide, its materials, its form. Services, import, export and
the demo data all go through it, so one set of rules (``check_content``) guards every way in.

The four exemptions (四免: ``material_exempt``, ``prefill``, ``e_seal``, ``e_signature``) are part of
the content only as output: ``normalise`` computes them from the configuration
(dgov.catalog.exemptions), replacing whatever a caller or a file said.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from dgov.catalog import coding, exemptions
from dgov.catalog.formschema import check_form_schema
from dgov.catalog.models import ItemMaterial, ServiceItem

MAX_DAYS = 999
MAX_VISITS = 99
MAX_MATERIALS = 100
MAX_COPIES = 99
PROCESS_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
LICENCE_TYPE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
SOURCE_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

# Flags stored as booleans that departments set, in the order forms and exports list them. The
# four exemptions are computed instead (exemptions.EXEMPTION_FIELDS).
FLAG_FIELDS = (
    "comprehensive_window",
    "high_frequency",
    "cross_province",
    "single_sign_on",
    "instant_approval",
    "credit_check",
)
# Plain model fields copied one to one between ServiceItem and ItemContent.
SCALAR_FIELDS = (
    "code",
    "basic_code",
    "name",
    "name_en",
    "kind",
    "subject",
    "keywords",
    "legal_basis",
    "conditions",
    "statutory_days",
    "promised_days",
    "fee_charged",
    "fee_standard",
    "fee_basis",
    "online_depth",
    "max_visits",
    "service_location",
    "service_hours",
    "enquiry_phone",
    *FLAG_FIELDS,
    "result_name",
    "output_licence_type",
    "form_schema",
    "process_key",
    "decision_key",
    "is_demo",
)
MATERIAL_FIELDS = (
    "name",
    "form",
    "copies",
    "requirement",
    "condition",
    "source",
    "source_ref",
    "notes",
    "government_issued",
)


@dataclass(frozen=True)
class MaterialContent:
    name: str
    form: str = ItemMaterial.Form.ORIGINAL
    copies: int = 1
    requirement: str = ItemMaterial.Requirement.REQUIRED
    condition: str = ""
    source: str = ItemMaterial.Source.APPLICANT
    source_ref: str = ""
    notes: str = ""
    government_issued: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in MATERIAL_FIELDS}


@dataclass(frozen=True)
class ItemContent:
    code: str
    basic_code: str
    name: str
    department: str  # Department.code
    kind: str
    subject: str
    legal_basis: str
    conditions: str
    statutory_days: int
    promised_days: int
    name_en: str = ""
    life_events: tuple[str, ...] = ()  # LifeEvent.code
    keywords: str = ""
    fee_charged: bool = False
    fee_standard: str = ""
    fee_basis: str = ""
    channels: tuple[str, ...] = (ServiceItem.Channel.WINDOW,)
    online_depth: int = ServiceItem.OnlineDepth.GUIDE
    max_visits: int = 1
    service_location: str = ""
    service_hours: str = ""
    enquiry_phone: str = ""
    comprehensive_window: bool = False
    high_frequency: bool = False
    cross_province: bool = False
    single_sign_on: bool = False
    instant_approval: bool = False
    # Computed by normalise() from the configuration; never input (see the module docstring).
    material_exempt: bool = False
    prefill: bool = False
    e_seal: bool = False
    e_signature: bool = False
    credit_check: bool = False
    result_name: str = ""
    output_licence_type: str = ""
    form_schema: dict[str, Any] = field(default_factory=dict)
    process_key: str = "standard_case"
    decision_key: str = ""
    is_demo: bool = False
    materials: tuple[MaterialContent, ...] = ()

    @classmethod
    def from_item(cls, item: ServiceItem) -> ItemContent:
        """The content of a stored version (materials and life events are read, prefetched or not)."""
        values: dict[str, Any] = {f: getattr(item, f) for f in SCALAR_FIELDS}
        values["department"] = item.department.code
        values["life_events"] = tuple(sorted(e.code for e in item.life_events.all()))
        values["channels"] = tuple(item.channels)
        values["materials"] = tuple(
            MaterialContent(**{f: getattr(m, f) for f in MATERIAL_FIELDS}) for m in item.materials.all()
        )
        return normalise(cls(**values))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the export format of one item."""
        data: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "materials":
                value = [m.as_dict() for m in value]
            elif isinstance(value, tuple):
                value = list(value)
            data[f.name] = value
        return data


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def normalise(content: ItemContent) -> ItemContent:
    """Text stripped, channels in their fixed order, life events sorted, the four exemptions computed:
    equal content compares equal."""
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(content):
        value = getattr(content, f.name)
        if isinstance(value, str):
            changes[f.name] = value.strip()
    order = list(ServiceItem.Channel.values)
    changes["channels"] = tuple(sorted(set(content.channels), key=lambda c: order.index(c) if c in order else 99))
    changes["life_events"] = tuple(sorted(set(content.life_events)))
    changes["keywords"] = " ".join(content.keywords.split())
    changes["materials"] = tuple(
        dataclasses.replace(m, **{k: _strip(getattr(m, k)) for k in MATERIAL_FIELDS if isinstance(getattr(m, k), str)})
        for m in content.materials
    )
    content = dataclasses.replace(content, **changes)
    found = exemptions.for_content(content)
    return dataclasses.replace(
        content,
        material_exempt=found.material_exempt.holds,
        prefill=found.prefill.holds,
        e_seal=found.e_seal.holds,
        e_signature=found.e_signature.holds,
    )


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def _check_text(errors: dict[str, list[str]], key: str, value: Any, *, limit: int, required: bool) -> None:
    if not isinstance(value, str):
        _add(errors, key, _("Text is expected here."))
    elif required and not value:
        _add(errors, key, _("This is required."))
    elif len(value) > limit:
        _add(errors, key, _("At most %(n)d characters.") % {"n": limit})


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_material(errors: dict[str, list[str]], n: int, m: MaterialContent) -> None:
    at = f"materials.{n}."
    _check_text(errors, at + "name", m.name, limit=200, required=True)
    if m.form not in ItemMaterial.Form.values:
        _add(errors, at + "form", _("Unknown form of material: %(value)s.") % {"value": m.form})
    if not _whole(m.copies, 1, MAX_COPIES):
        _add(errors, at + "copies", _("The number of copies is a whole number from 1 to %(n)d.") % {"n": MAX_COPIES})
    if m.requirement not in ItemMaterial.Requirement.values:
        _add(errors, at + "requirement", _("Unknown requirement: %(value)s.") % {"value": m.requirement})
    elif m.requirement == ItemMaterial.Requirement.CONDITIONAL and not m.condition:
        _add(errors, at + "condition", _("Say when a conditional material is required."))
    elif m.requirement == ItemMaterial.Requirement.REQUIRED and m.condition:
        _add(errors, at + "condition", _("Only a conditional material has a condition."))
    _check_text(errors, at + "condition", m.condition, limit=500, required=False)
    if m.source not in ItemMaterial.Source.values:
        _add(errors, at + "source", _("Unknown source of material: %(value)s.") % {"value": m.source})
    elif m.source == ItemMaterial.Source.APPLICANT and m.source_ref:
        _add(errors, at + "source_ref", _("A material the applicant uploads has no registry field or licence type."))
    elif m.source != ItemMaterial.Source.APPLICANT and not SOURCE_REF_RE.fullmatch(m.source_ref or ""):
        _add(
            errors,
            at + "source_ref",
            _("Name the registry field or the licence type code (letters, digits, _ . -, up to 64)."),
        )
    _check_text(errors, at + "notes", m.notes, limit=2000, required=False)
    if not isinstance(m.government_issued, bool):
        _add(errors, at + "government_issued", _("Yes or no is expected here."))


def check_content(
    content: ItemContent, *, departments: Collection[str], life_events: Collection[str]
) -> dict[str, list[str]]:
    """Broken rules by field name (``materials.<n>.<field>`` for materials, n from 1); empty when good.

    ``departments`` and ``life_events`` are the codes that exist."""
    c = content
    errors: dict[str, list[str]] = {}
    for msg in coding.check_code(c.code):
        _add(errors, "code", msg)
    for msg in coding.check_basic_code(c.basic_code):
        _add(errors, "basic_code", msg)
    _check_text(errors, "name", c.name, limit=200, required=True)
    _check_text(errors, "name_en", c.name_en, limit=300, required=False)
    if c.department not in departments:
        _add(errors, "department", _("Unknown department: %(value)s.") % {"value": c.department})
    if c.kind not in ServiceItem.Kind.values:
        _add(errors, "kind", _("Unknown kind of item: %(value)s.") % {"value": c.kind})
    if c.subject not in ServiceItem.Subject.values:
        _add(errors, "subject", _("Unknown applicant type: %(value)s.") % {"value": c.subject})
    if not errors.get("code") and not errors.get("basic_code") and not errors.get("kind"):
        for key, msgs in coding.check_consistency(code=c.code, basic=c.basic_code, kind=c.kind).items():
            for msg in msgs:
                _add(errors, key, msg)
    for code in c.life_events:
        if code not in life_events:
            _add(errors, "life_events", _("Unknown life event: %(value)s.") % {"value": code})
    _check_text(errors, "keywords", c.keywords, limit=500, required=False)
    _check_text(errors, "legal_basis", c.legal_basis, limit=10000, required=True)
    _check_text(errors, "conditions", c.conditions, limit=10000, required=True)

    for key in ("statutory_days", "promised_days"):
        if not _whole(getattr(c, key), 0, MAX_DAYS):
            _add(errors, key, _("A number of working days from 0 to %(n)d.") % {"n": MAX_DAYS})
    if "statutory_days" not in errors and "promised_days" not in errors and c.promised_days > c.statutory_days:
        _add(
            errors,
            "promised_days",
            _("The promised time limit (%(promised)d working days) exceeds the statutory one (%(statutory)d).")
            % {"promised": c.promised_days, "statutory": c.statutory_days},
        )

    if c.fee_charged:
        _check_text(errors, "fee_standard", c.fee_standard, limit=500, required=True)
        _check_text(errors, "fee_basis", c.fee_basis, limit=2000, required=True)
    elif c.fee_standard or c.fee_basis:
        _add(errors, "fee_standard", _("A free item has no fee or fee basis."))

    channels = set(c.channels)
    if not channels:
        _add(errors, "channels", _("Name at least one channel."))
    for channel in sorted(channels - set(ServiceItem.Channel.values)):
        _add(errors, "channels", _("Unknown channel: %(value)s.") % {"value": channel})
    online = bool(channels & {ServiceItem.Channel.ONLINE, ServiceItem.Channel.MOBILE})
    if not _whole(c.online_depth, 1, 4):
        _add(errors, "online_depth", _("The online depth is 1, 2, 3 or 4."))
    elif c.online_depth >= ServiceItem.OnlineDepth.APPLY and not online:
        _add(errors, "online_depth", _("An item applied for online has the online or mobile channel."))
    if not _whole(c.max_visits, 0, MAX_VISITS):
        _add(errors, "max_visits", _("The number of visits is a whole number from 0 to %(n)d.") % {"n": MAX_VISITS})
    elif c.online_depth == ServiceItem.OnlineDepth.FULL and c.max_visits != 0:
        # 全程网办: accepted, decided and delivered online, so nobody comes to the counter.
        _add(errors, "max_visits", _("A fully online item (depth 4) needs zero visits."))
    if c.comprehensive_window and ServiceItem.Channel.WINDOW not in channels:
        _add(errors, "comprehensive_window", _("An item accepted at the comprehensive window has the window channel."))
    if c.single_sign_on and not online:
        _add(errors, "single_sign_on", _("Single sign-on applies to items with the online or mobile channel."))
    for key in (*FLAG_FIELDS, "fee_charged", "is_demo"):
        if not isinstance(getattr(c, key), bool):
            _add(errors, key, _("Yes or no is expected here."))
    _check_text(errors, "service_location", c.service_location, limit=2000, required=False)
    _check_text(errors, "service_hours", c.service_hours, limit=200, required=False)
    _check_text(errors, "enquiry_phone", c.enquiry_phone, limit=100, required=False)
    _check_text(errors, "result_name", c.result_name, limit=200, required=False)
    if c.output_licence_type and not LICENCE_TYPE_RE.fullmatch(c.output_licence_type):
        _add(errors, "output_licence_type", _("A licence type code has letters, digits and _ . - (up to 64)."))
    for msg in check_form_schema(c.form_schema):
        _add(errors, "form_schema", msg)
    if not PROCESS_KEY_RE.fullmatch(c.process_key or ""):
        _add(errors, "process_key", _("A process key has lower-case letters, digits and _ (up to 64)."))
    if c.decision_key and not PROCESS_KEY_RE.fullmatch(c.decision_key):
        _add(errors, "decision_key", _("A decision table key has lower-case letters, digits and _ (up to 64)."))
    if c.instant_approval and not c.decision_key:
        # 秒批 means published rules decide: an item without a table would only be a label.
        _add(errors, "decision_key", _("An instant-approval item names the decision table its rules are in."))
    if c.decision_key and not c.instant_approval:
        _add(errors, "instant_approval", _("An item with a decision table is an instant-approval item."))

    if len(c.materials) > MAX_MATERIALS:
        _add(errors, "materials", _("At most %(n)d materials.") % {"n": MAX_MATERIALS})
    for n, material in enumerate(c.materials, start=1):
        _check_material(errors, n, material)
    return errors
