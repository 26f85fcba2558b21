"""The application-form fields the platform fills in from what it already knows (免填写).

Constants only, so that the code that prefills a form (dgov.cases.prefill) and the catalogue, which
tells from an item's form whether 免填写 holds (dgov.catalog.exemptions), read one list. A form
field is prefilled when the item's form (its JSON Schema ``properties``) has a field of one of these
names.
"""

from __future__ import annotations

# Form fields taken from the applicant's real-name account (a citizen's or an enterprise's).
ACCOUNT_FIELDS: tuple[str, ...] = (
    "applicant_name",
    "id_number",
    "phone",
    "credit_code",
    "org_name",
    "contact_name",
    "contact_phone",
)

# Form field -> registry fact key, by the kind of applicant: 人口库 for a person, 法人库 for an
# enterprise (the fact keys are those of dgov.registries.selectors.person_facts / enterprise_facts).
REGISTRY_FIELDS: dict[str, dict[str, str]] = {
    "person": {
        "address": "residence_address",
        "birth_date": "birth_date",
        "household_address": "household_address",
    },
    "enterprise": {
        "org_name": "name",
        "legal_representative": "legal_representative",
        "registered_address": "registered_address",
    },
}

# Every form field the platform may prefill from the account or a base registry.
PREFILLABLE_FIELDS: frozenset[str] = frozenset(ACCOUNT_FIELDS).union(*REGISTRY_FIELDS.values())
