"""四免: which of the four exemptions an item version's configuration supports, and why.

The four are derived, never typed in: the catalogue services store them on the version
(``ServiceItem.material_exempt``, ``prefill``, ``e_seal``, ``e_signature``) every time the version
or its materials are written and when it is published; indicator 4 (四免 share of the high-frequency
items) counts published high-frequency items whose four stored values all hold. The rules read
only the version's own configuration:

- 免提交 ``material_exempt``: every material marked ``government_issued`` has the source
  ``registry`` or ``licence``, so nothing a government body issued is asked of the applicant
  again. Vacuously true when the item lists no government-issued material.
- 免填写 ``prefill``: the item can be applied for online (online depth 3 or 4 and the online or
  mobile channel) and its form (the JSON Schema ``properties``) has at least one field the platform
  fills in from the applicant's account or a base registry (dgov.registries.fields, the lists
  dgov.cases.prefill uses).
- 免用实物印章 ``e_seal`` and 免手写签名 ``e_signature``: the item is fully online (online depth 4)
  and has the online or mobile channel. An online application is signed electronically (an
  enterprise's e-seal, a person's drawn signature or SMS one-time code), so nothing is stamped or
  signed on paper; an individual needs no seal at all.

Pure: no database access beyond reading an item's materials (prefetched or not), no writes. The
reasons are translated in the active language when computed. docs/catalog-exemptions.md says the
same for readers of the guide.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from dgov.catalog.models import ItemMaterial, ServiceItem
from dgov.registries.fields import PREFILLABLE_FIELDS

if TYPE_CHECKING:
    from dgov.catalog.content import ItemContent

# The stored columns, in the order guides and exports list them.
EXEMPTION_FIELDS = ("material_exempt", "prefill", "e_seal", "e_signature")

LABELS: Mapping[str, Any] = {
    "material_exempt": gettext_lazy("No re-submitting of government-issued materials"),
    "prefill": gettext_lazy("No filling in of what the government already knows"),
    "e_seal": gettext_lazy("No physical seal"),
    "e_signature": gettext_lazy("No handwritten signature"),
}

_ONLINE_CHANNELS = frozenset({ServiceItem.Channel.ONLINE, ServiceItem.Channel.MOBILE})
_TAKEN_BY_THE_PLATFORM = frozenset({ItemMaterial.Source.REGISTRY, ItemMaterial.Source.LICENCE})


class Material(Protocol):
    """What the rules read of a material (an ``ItemMaterial`` row or a ``MaterialContent``)."""

    @property
    def name(self) -> str: ...

    @property
    def source(self) -> str: ...

    @property
    def government_issued(self) -> bool: ...


@dataclass(frozen=True)
class Exemption:
    """One of the four: whether it holds for the version, and a short reason for the guide."""

    key: str  # one of EXEMPTION_FIELDS
    holds: bool
    reason: str

    @property
    def label(self) -> str:
        return str(LABELS[self.key])


@dataclass(frozen=True)
class Exemptions:
    material_exempt: Exemption
    prefill: Exemption
    e_seal: Exemption
    e_signature: Exemption

    def __iter__(self) -> Iterator[Exemption]:
        return iter((self.material_exempt, self.prefill, self.e_seal, self.e_signature))

    def flags(self) -> dict[str, bool]:
        """The values of the stored columns."""
        return {e.key: e.holds for e in self}

    @property
    def all_hold(self) -> bool:
        return all(e.holds for e in self)


def _join(names: Iterable[str]) -> str:
    return pgettext("list separator", ", ").join(names)


def _depth(value: Any) -> int:
    # A file being imported may carry anything; the content rules report it, this only must not fail.
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _properties(form_schema: Any) -> dict[str, Any]:
    props = form_schema.get("properties") if isinstance(form_schema, dict) else None
    return props if isinstance(props, dict) else {}


def _material_exempt(materials: list[Material]) -> Exemption:
    issued = [m for m in materials if m.government_issued is True]
    asked = [m.name for m in issued if m.source not in _TAKEN_BY_THE_PLATFORM]
    if asked:
        reason = _("You still upload materials issued by a government body: %(names)s.") % {"names": _join(asked)}
    elif issued:
        reason = _(
            "Every material issued by a government body is taken from a base registry or an e-licence: %(names)s."
        ) % {"names": _join(m.name for m in issued)}
    else:
        reason = _("The item asks for no material issued by a government body.")
    return Exemption("material_exempt", not asked, reason)


def _prefill(depth: int, online_channel: bool, form_schema: Any) -> Exemption:
    if not online_channel:
        reason = _("The item has neither the online nor the mobile channel, so there is no online form to fill in.")
        return Exemption("prefill", False, reason)
    if depth < ServiceItem.OnlineDepth.APPLY:
        reason = _(
            "The item cannot be applied for online (online depth %(depth)d), so there is no online form to fill in."
        )
        return Exemption("prefill", False, reason % {"depth": depth})
    props = _properties(form_schema)
    known = [name for name in props if name in PREFILLABLE_FIELDS]
    if not known:
        reason = _("The application form has no field the platform fills in from your account or a base registry.")
        return Exemption("prefill", False, reason)
    titles = [str(p.get("title") or name) if isinstance(p := props[name], dict) else name for name in known]
    reason = _("Filled in from your account or a base registry: %(fields)s.") % {"fields": _join(titles)}
    return Exemption("prefill", True, reason)


def _e_seal(depth: int, online_channel: bool, subject: str) -> Exemption:
    if not online_channel:
        reason = _("The item has neither the online nor the mobile channel: papers may be stamped at a counter.")
        return Exemption("e_seal", False, reason)
    if depth != ServiceItem.OnlineDepth.FULL:
        reason = _("The item is not fully online (online depth %(depth)d): papers may still be stamped at a counter.")
        return Exemption("e_seal", False, reason % {"depth": depth})
    if subject == ServiceItem.Subject.PERSON:
        reason = _("Individuals applying online need no seal: the application is confirmed electronically.")
    elif subject == ServiceItem.Subject.ENTERPRISE:
        reason = _("Fully online: an enterprise seals its application with its e-seal, so nothing is stamped on paper.")
    else:
        reason = _(
            "Fully online: an enterprise seals its application with its e-seal and individuals need no seal, "
            "so nothing is stamped on paper."
        )
    return Exemption("e_seal", True, reason)


def _e_signature(depth: int, online_channel: bool, subject: str) -> Exemption:
    if not online_channel:
        reason = _("The item has neither the online nor the mobile channel: papers may be signed by hand.")
        return Exemption("e_signature", False, reason)
    if depth != ServiceItem.OnlineDepth.FULL:
        reason = _("The item is not fully online (online depth %(depth)d): papers may still be signed by hand.")
        return Exemption("e_signature", False, reason % {"depth": depth})
    if subject == ServiceItem.Subject.PERSON:
        reason = _(
            "Fully online: you sign electronically, with a drawn signature or an SMS one-time code, "
            "so nothing is signed by hand."
        )
    else:
        reason = _(
            "Fully online: the application is signed electronically (an enterprise's e-seal, a person's drawn "
            "signature or SMS one-time code), so nothing is signed by hand."
        )
    return Exemption("e_signature", True, reason)


def compute(
    *,
    subject: str,
    channels: Iterable[str],
    online_depth: Any,
    form_schema: Any,
    materials: Iterable[Material],
) -> Exemptions:
    """The four exemptions of a configuration (the rules are in the module docstring)."""
    depth = _depth(online_depth)
    online_channel = bool(set(channels) & _ONLINE_CHANNELS)
    return Exemptions(
        material_exempt=_material_exempt(list(materials)),
        prefill=_prefill(depth, online_channel, form_schema),
        e_seal=_e_seal(depth, online_channel, subject),
        e_signature=_e_signature(depth, online_channel, subject),
    )


def for_item(item: ServiceItem, *, materials: Iterable[Material] | None = None) -> Exemptions:
    """The four exemptions of a stored version, from its columns and its materials (``item.materials``,
    prefetched or not, unless ``materials`` is given)."""
    return compute(
        subject=item.subject,
        channels=item.channels or (),
        online_depth=item.online_depth,
        form_schema=item.form_schema,
        materials=item.materials.all() if materials is None else materials,
    )


def for_content(content: ItemContent) -> Exemptions:
    """The four exemptions of an item's content (a file row, a draft being written, the demo)."""
    return compute(
        subject=content.subject,
        channels=content.channels,
        online_depth=content.online_depth,
        form_schema=content.form_schema,
        materials=content.materials,
    )
