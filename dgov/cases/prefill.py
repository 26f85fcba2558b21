"""免填写: the application form filled in from what the government already knows.

Two sources: the applicant's real-name account (name, ID number, phone, enterprise name and credit
code) and the base registries (人口库 for a person, 法人库 for an enterprise: address, date of
birth, legal representative …). The form marks each prefilled field with its source and the
applicant confirms instead of typing. Every registry read is logged for the person or enterprise
it concerns (dgov.registries: 谁用了我的数据).

The values taken from a registry travel with the form as a signed *stamp*. If the registry
changes between prefill and submission and the applicant kept the old value, submission is
refused for that field with the new value named, so a case is never decided on data the
registry no longer holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.utils.translation import gettext as _

from dgov.accounts.models import User
from dgov.catalog.models import ServiceItem
from dgov.registries.fields import ACCOUNT_FIELDS, REGISTRY_FIELDS

STAMP_SALT = "dgov.cases.prefill"
STAMP_MAX_AGE = 24 * 3600  # a form left open longer is prefilled again

# Which form fields are prefilled (ACCOUNT_FIELDS, REGISTRY_FIELDS) is said once, in
# dgov.registries.fields: the catalogue reads the same lists to tell whether 免填写 holds for an item.
ACCOUNT = "account"
REGISTRY = "registry"


@dataclass
class Prefill:
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # form field -> ACCOUNT or REGISTRY
    stamp: str = ""


def applicant_subject(applicant: User) -> tuple[str, str]:
    """(registry kind, key) of an applicant: an enterprise by credit code, a person by ID number."""
    if applicant.kind == User.Kind.ENTERPRISE and applicant.enterprise_credit_code:
        return "enterprise", applicant.enterprise_credit_code
    if applicant.kind == User.Kind.CITIZEN and applicant.id_number:
        return "person", applicant.id_number
    return "", ""


def from_account(applicant: User, schema: dict[str, Any]) -> dict[str, Any]:
    """The form values the platform knows from the applicant's real-name account."""
    known = {
        "applicant_name": applicant.real_name,
        "id_number": applicant.id_number if applicant.kind == User.Kind.CITIZEN else "",
        "phone": applicant.phone,
        "credit_code": applicant.enterprise_credit_code,
        "org_name": applicant.enterprise_name,
        "contact_name": applicant.real_name,
        "contact_phone": applicant.phone,
    }
    fields = schema.get("properties", {})
    return {k: known[k] for k in ACCOUNT_FIELDS if known.get(k) and k in fields}


def _wanted(kind: str, schema: dict[str, Any]) -> dict[str, str]:
    fields = schema.get("properties", {})
    return {f: key for f, key in REGISTRY_FIELDS.get(kind, {}).items() if f in fields}


def prefill(*, applicant: User, item: ServiceItem, actor: User | None = None) -> Prefill:
    """The prefilled form of an item for an applicant; the registry read is logged."""
    from dgov.registries.services import registry_read

    result = Prefill(values=from_account(applicant, item.form_schema))
    result.sources = dict.fromkeys(result.values, ACCOUNT)
    kind, key = applicant_subject(applicant)
    wanted = _wanted(kind, item.form_schema)
    if not wanted:
        return result
    facts = registry_read(
        subject_kind=kind,
        key=key,
        fields=sorted(set(wanted.values())),
        purpose=(_("Prefilling the application form of %(item)s") % {"item": item.name})[:200],
        actor=actor or applicant,
    )
    if not facts:
        return result
    taken = {f: facts[k] for f, k in wanted.items() if facts.get(k) not in (None, "")}
    result.values.update(taken)
    result.sources.update(dict.fromkeys(taken, REGISTRY))
    result.stamp = signing.dumps(
        {"item": item.code, "user": applicant.pk, "values": taken, "revision": facts.get("revision")},
        salt=STAMP_SALT,
        compress=True,
    )
    return result


def stale_fields(*, applicant: User, item: ServiceItem, data: dict[str, Any], stamp: str) -> dict[str, list[str]]:
    """Field errors for registry-prefilled values the applicant kept that the registry has since
    changed (empty when none, or when the form carries no stamp)."""
    if not stamp:
        return {}
    from dgov.registries import selectors as registries

    try:
        signed = signing.loads(stamp, salt=STAMP_SALT, max_age=STAMP_MAX_AGE)
    except signing.SignatureExpired:
        return {"__all__": [_("The form was filled in too long ago; please reload it.")]}
    except signing.BadSignature:
        return {"__all__": [_("The form's prefilled data could not be checked; please reload it.")]}
    if signed.get("item") != item.code or signed.get("user") != applicant.pk:
        return {"__all__": [_("The form's prefilled data belongs to another application; please reload it.")]}
    kind, key = applicant_subject(applicant)
    facts = (registries.person_facts(key) if kind == "person" else registries.enterprise_facts(key)) or {}
    if facts.get("revision") == signed.get("revision"):
        return {}
    errors: dict[str, list[str]] = {}
    wanted = _wanted(kind, item.form_schema)
    for name, old in (signed.get("values") or {}).items():
        now = facts.get(wanted.get(name, ""))
        if str(data.get(name, "")) == str(old) and now not in (None, "") and str(now) != str(old):
            errors[name] = [
                _("The registry changed after this form was filled in: it now says “%(value)s”. Please check.")
                % {"value": now}
            ]
    return errors
