"""OIDC claims for department systems that sign users in through the platform."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from dgov.accounts.permissions import roles_of


class ClaimsValidator(OAuth2Validator):
    # Which claims each scope releases (OIDC Core 5.4 style).
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "name": "profile",
        "preferred_username": "profile",
        "kind": "profile",
        "department": "roles",
        "department_name": "roles",
        "roles": "roles",
    }

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        return {
            "name": user.display_name,
            "preferred_username": user.username,
            "kind": user.kind,
            "department": user.department.credit_code or user.department.code if user.department_id else None,
            "department_name": user.department.name if user.department_id else None,
            "roles": sorted(roles_of(user)),
        }
