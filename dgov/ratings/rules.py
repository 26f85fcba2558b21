"""The rules of 好差评 that pages, the API and the services share: who may rate a case and when,
what a valid rating is, and the rectification deadline.

- **Who and when.** The applicant of a case, once it has ended (concluded, not accepted or
  withdrawn), within :data:`RATING_WINDOW_DAYS` calendar days of its end (the same 30 days the SMS
  link lives). Staff accounts never rate. One rating per case and person (一事一评), enforced by a
  unique constraint.
- **What.** A level 1–5; for the service channel's national dimensions an optional level each
  ("overall" is the level itself); tags from the level's fixed list; a comment of at most
  :data:`~dgov.ratings.models.COMMENT_MAX` characters. A bad rating says what went wrong: at least
  one tag or a comment.
- **Rectification deadline.** ``DGOV_RECTIFICATION_WORKING_DAYS`` working days (default 5) from the
  bad rating (and again from an appeal), on the platform's Chinese working-day calendar: the
  deadline is the end (23:59:59 Beijing time) of that working day, counting from the next day.
- **Appeal window.** The rater may appeal (申诉) the outcome once, within
  ``DGOV_RATING_APPEAL_WORKING_DAYS`` working days (default 15) of being told it, counted the same
  way; after that the outcome stands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import User
from dgov.cases.models import Case
from dgov.cases.models import Channel as CaseChannel
from dgov.core import crypto
from dgov.core.errors import ApplicationError, ConflictError
from dgov.core.workdays import add_working_days, local_date
from dgov.ratings.models import (
    COMMENT_MAX,
    DIMENSIONS,
    TAGS_BY_LEVEL,
    Channel,
    Dimension,
    Level,
    Rating,
    ServiceChannel,
    Tag,
    is_bad,
)

RATING_WINDOW_DAYS = 30
LINK_DAYS = 30
DEFAULT_RECTIFICATION_WORKING_DAYS = 5


# --- Deadline ------------------------------------------------------------------------------------


def rectification_working_days() -> int:
    value = getattr(settings, "DGOV_RECTIFICATION_WORKING_DAYS", DEFAULT_RECTIFICATION_WORKING_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
        raise ImproperlyConfigured("DGOV_RECTIFICATION_WORKING_DAYS must be a whole number of working days, 1–60.")
    return value


DEFAULT_APPEAL_WORKING_DAYS = 15


def appeal_working_days() -> int:
    value = getattr(settings, "DGOV_RATING_APPEAL_WORKING_DAYS", DEFAULT_APPEAL_WORKING_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
        raise ImproperlyConfigured("DGOV_RATING_APPEAL_WORKING_DAYS must be a whole number of working days, 1–60.")
    return value


def appeal_closes_at(reported_at: datetime) -> datetime:
    """The end of the last working day on which the rater may appeal an outcome told at reported_at."""
    return add_working_days(reported_at, appeal_working_days())


def rectification_due_at(start: datetime) -> datetime:
    """The end of the Nth working day after start (N = DGOV_RECTIFICATION_WORKING_DAYS, default 5)."""
    return add_working_days(start, rectification_working_days())


def case_type() -> ContentType:
    """The content type of cases, the rated thing today (cached by Django after the first call)."""
    return ContentType.objects.get_for_model(Case)


def link_digest(token: str) -> str:
    """Keyed SM3 of a rating link's token: the database alone cannot tell which token a row is for."""
    return crypto.hmac_sm3_hex(crypto.purpose_key("rating-links"), token.encode("utf-8"))


# --- Who may rate --------------------------------------------------------------------------------


def rating_closes_at(case: Case) -> datetime | None:
    return case.ended_at + timedelta(days=RATING_WINDOW_DAYS) if case.ended_at else None


def rating_refusal(*, case: Case, rater: User, now: datetime | None = None) -> ApplicationError | None:
    """Why rater may not rate case now (an error to raise or show), or None when they may.
    The caller has already made sure rater is the case's applicant."""
    now = now or timezone.now()
    if rater.kind == User.Kind.STAFF:
        return ApplicationError(_("Staff accounts do not rate services."), code="staff_cannot_rate")
    if not case.is_ended or case.ended_at is None:
        return ApplicationError(
            _("You can rate this service once your case has ended (concluded, not accepted or withdrawn)."),
            code="case_not_ended",
        )
    closes = rating_closes_at(case)
    if closes is not None and now > closes:
        return ApplicationError(
            _("Ratings are taken within %(days)d days of the end of a case; this case ended on %(date)s.")
            % {"days": RATING_WINDOW_DAYS, "date": local_date(case.ended_at).isoformat()},
            code="rating_closed",
        )
    if Rating.objects.filter(rated_type=case_type(), rated_id=case.pk, rater=rater).exists():
        return already_rated()
    return None


def already_rated() -> ConflictError:
    return ConflictError(_("You have already rated this case: each case is rated once."), code="already_rated")


def is_real_name(user: User) -> bool:
    """A rater with a verified identity on the account: a citizen's ID number, an enterprise's code."""
    if user.kind == User.Kind.ENTERPRISE:
        return bool(user.enterprise_credit_code)
    return bool(user.id_number)


def service_channel_of(case: Case, channel: str) -> str:
    """A service given at the window (entered there, or rated on the window's tablet) is rated on
    the window dimensions; everything else on the online ones."""
    if channel == Channel.WINDOW_PAD or case.channel == CaseChannel.WINDOW:
        return ServiceChannel.WINDOW
    return ServiceChannel.ONLINE


# --- What a rating is ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingInput:
    """A rating as a page or the API sent it, before checking."""

    level: Any
    dimensions: Mapping[str, Any] = field(default_factory=dict)
    tags: Sequence[Any] = ()
    comment: Any = ""


@dataclass(frozen=True)
class CleanRating:
    level: int
    dimensions: dict[str, int]
    tags: list[str]
    comment: str


def _level(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit() or len(value) > 1:
            return None
        value = int(value)
    if isinstance(value, int) and value in Level.values:
        return value
    return None


def clean_rating_input(data: RatingInput, *, service_channel: str) -> CleanRating:
    """The checked rating, or ApplicationError with an error per field (``level``,
    ``dimensions.<name>``, ``tags``, ``comment``) and nothing written."""
    errors: dict[str, list[str]] = {}
    level = _level(data.level)
    if level is None:
        errors["level"] = [_("Choose one of the five levels, from very satisfied to very dissatisfied.")]

    allowed = DIMENSIONS[service_channel]
    dimension_labels = dict(Dimension.choices)
    dimensions: dict[str, int] = {}
    raw_dimensions = data.dimensions if isinstance(data.dimensions, Mapping) else {}
    if not isinstance(data.dimensions, Mapping):
        errors["dimensions"] = [_("Give the dimensions as name: level pairs.")]
    for name, value in raw_dimensions.items():
        key = f"dimensions.{str(name)[:40]}"
        if name not in allowed:
            errors[key] = [
                _("“%(name)s” is not asked about this service; the questions are: %(allowed)s.")
                % {"name": str(name)[:40], "allowed": "、".join(str(dimension_labels[d]) for d in allowed)}
            ]
            continue
        if value in ("", None):
            continue  # every question but the level may be skipped
        answer = _level(value)
        if answer is None:
            errors[key] = [_("Choose one of the five levels.")]
        elif name == Dimension.OVERALL and level is not None and answer != level:
            errors[key] = [_("The overall rating is the level chosen at the top.")]
        else:
            dimensions[name] = answer
    if level is not None:
        dimensions[Dimension.OVERALL] = level

    tags: list[str] = []
    raw_tags = data.tags if isinstance(data.tags, list | tuple) else None
    if raw_tags is None:
        errors["tags"] = [_("Give the tags as a list.")]
    else:
        offered = TAGS_BY_LEVEL.get(level or 0, tuple(Tag.values))
        unknown = [str(t)[:40] for t in raw_tags if t not in Tag.values]
        unfit = [str(dict(Tag.choices)[t]) for t in raw_tags if t in Tag.values and t not in offered]
        if unknown:
            errors["tags"] = [_("Unknown tags: %(tags)s.") % {"tags": ", ".join(unknown)}]
        elif unfit:
            errors["tags"] = [_("These do not go with the level you chose: %(tags)s.") % {"tags": "、".join(unfit)}]
        else:
            tags = list(dict.fromkeys(str(t) for t in raw_tags))

    comment = data.comment if isinstance(data.comment, str) else None
    if comment is None:
        errors["comment"] = [_("The comment must be text.")]
        comment = ""
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [
            _("At most %(max)d characters (this one has %(n)d).") % {"max": COMMENT_MAX, "n": len(comment)}
        ]
    if level is not None and is_bad(level) and not tags and not comment and "tags" not in errors:
        errors["tags"] = [_("Tell us what went wrong: tick a reason or write a comment.")]
    if errors:
        raise ApplicationError(_("Please correct the marked fields."), code="invalid_rating", field_errors=errors)
    assert level is not None
    return CleanRating(level=level, dimensions=dimensions, tags=tags, comment=comment)
