"""OIDC claims for department systems that sign users in through the platform."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from dgov.accounts.permissions import roles_of

# The platform's claims and the scope that releases each (OIDC Core 5.4 style).
PLATFORM_CLAIM_SCOPES = {
    "name": "profile",
    "preferred_username": "profile",
    "kind": "profile",
    "department": "roles",
    "department_name": "roles",
    "roles": "roles",
}


class ClaimsValidator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, **PLATFORM_CLAIM_SCOPES}

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        department = user.department if user.department_id else None
        claims = {
            "name": user.display_name,
            "preferred_username": user.username,
            "kind": user.kind,
            "department": (department.credit_code or department.code) if department else None,
            "department_name": department.name if department else None,
            "roles": sorted(roles_of(user)),
        }
        # OIDC Core 5.3.2: a claim without a value is left out, not sent as null.
        return {name: value for name, value in claims.items() if value is not None}

    def get_discovery_claims(self, request: Any) -> list[str]:
        # get_additional_claims needs the user, so DOT would advertise only "sub": list them here.
        return ["sub", *PLATFORM_CLAIM_SCOPES]
