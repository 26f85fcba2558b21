"""The JSON API at /api/v1: one NinjaAPI, one error format, token or session authentication.

Every error body is ``{"code": str, "message": str, "errors": [{"field": str, "message": str}]}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from dgov.accounts.api import router as accounts_router
from dgov.cases.api import router as cases_router
from dgov.catalog.api import router as catalog_router
from dgov.core.errors import ApplicationError
from dgov.credit.api import router as credit_router
from dgov.crossregion.api import router as crossregion_router
from dgov.hotline.api import router as hotline_router
from dgov.indicators.api import router as indicators_router
from dgov.licences.api import router as licences_router
from dgov.licences.api_staff import router as licences_staff_router
from dgov.ratings.api import router as ratings_router


class SystemToken(HttpBearer):
    """``Authorization: Bearer dgov_…``: a token created by a system administrator."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from dgov.accounts.services import api_token_authenticate

        return api_token_authenticate(token)


class SignedInUser(SessionAuth):
    """The browser session (CSRF-checked for unsafe methods); staff must have passed MFA."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None
        from dgov.accounts.middleware import mfa_waived

        if user.kind == "staff" and not user.is_verified() and not mfa_waived(user):
            return None
        return user


api = NinjaAPI(
    title="江海数字政府平台 API",
    version="1",
    description="Jianghai digital government platform. Errors: {code, message, errors[]}.",
    auth=[SystemToken(), SignedInUser()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, errors: list[dict[str, str]] | None = None
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "errors": errors or []}, status=status)


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    errors = [{"field": f, "message": m} for f, msgs in exc.field_errors.items() for m in msgs]
    return _error(request, exc.status, exc.code, exc.message, errors)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        errors.append({"field": ".".join(loc), "message": str(err.get("msg", "invalid"))})
    return _error(request, 422, "validation_error", "The request is not valid.", errors)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", "Sign in or send a valid API token.")


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "forbidden", "You may not do this.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "error", str(exc))


api.add_router("/accounts", accounts_router)
api.add_router("/catalog", catalog_router)
api.add_router("", cases_router)
api.add_router("/licences", licences_router)
api.add_router("/licences", licences_staff_router)
api.add_router("/ratings", ratings_router)
api.add_router("/credit", credit_router)
api.add_router("/crossregion", crossregion_router)
api.add_router("/tickets", hotline_router)
api.add_router("/indicators", indicators_router)
