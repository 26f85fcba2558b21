"""Password rules for staff (等保2.0): complexity, and no reuse of the last five passwords."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

REUSE_DEPTH = 5
STAFF_MIN_LENGTH = 12


def _is_staff(user: Any) -> bool:
    return user is not None and getattr(user, "kind", None) == "staff"


class StaffComplexityValidator:
    """Staff passwords: at least 12 characters from at least three of the four character classes."""

    def validate(self, password: str, user: Any = None) -> None:
        if not _is_staff(user):
            return
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if len(password) < STAFF_MIN_LENGTH or sum(classes) < 3:
            raise ValidationError(
                _(
                    "Staff passwords need at least %(n)d characters and three of: lower-case letters, "
                    "upper-case letters, digits, symbols."
                )
                % {"n": STAFF_MIN_LENGTH},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("Staff: at least %(n)d characters with three of lower case, upper case, digits and symbols.") % {
            "n": STAFF_MIN_LENGTH
        }


class StaffReuseValidator:
    """Staff may not reuse any of their last five passwords."""

    def validate(self, password: str, user: Any = None) -> None:
        if not _is_staff(user) or user.pk is None:
            return
        recent = [user.password] if user.password else []
        recent += list(user.password_history.values_list("password", flat=True)[:REUSE_DEPTH])
        if any(check_password(password, old) for old in recent[:REUSE_DEPTH]):
            raise ValidationError(
                _("This password was used recently; choose one you have not used in your last five."),
                code="password_reused",
            )

    def get_help_text(self) -> str:
        return _("Staff: none of your last five passwords.")
