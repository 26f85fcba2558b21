"""The platform's BPMN dialect: how a process names roles, time limits and branch conditions.

A user task names the role that works on it, and optionally its time limit, as Camunda
extension properties (what bpmn-js's Camunda properties panel writes)::

    <bpmn:userTask id="review_step" name="审查 Review">
      <bpmn:extensionElements>
        <camunda:properties>
          <camunda:property name="role" value="approver" />
          <camunda:property name="days" value="10" />
        </camunda:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>

- ``role``: an ``accounts.Role`` value, or ``applicant`` (the pseudo-role of the person the
  process serves; see ``ProcessInstance.applicant``). Without the property, the name of the lane
  holding the task is used when it is such a value.
- ``days``: working days allowed, counted from the moment the task becomes ready. Either a
  whole number or the name of a process variable holding one (e.g. ``review_days``, passed in
  the data at start), so one definition serves items with different promised time limits.

Branch conditions are small expressions over the process data, e.g. ``decision == "approve"``
or ``amount >= 50000 and not urgent``: names, constants, comparisons, ``and``/``or``/``not``,
``in``, and ``x["key"]`` lookups. No calls, attributes or arithmetic: definitions are uploaded
data, never code, so nothing in them may reach Python. A name missing from the data is None.

This module touches neither SpiffWorkflow nor the database: the engine, the upload validation
and the services all read the dialect from here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from dgov.accounts.models import Role

APPLICANT = "applicant"
ROLE_PROPERTY = "role"
DAYS_PROPERTY = "days"
MAX_DAYS = 366

# Roles a user task may name: every staff role, and the applicant.
TASK_ROLES: frozenset[str] = frozenset({*Role.values, APPLICANT})

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def role_of(properties: Mapping[str, str], lane: str | None) -> str | None:
    """The role of a user task: its ``role`` property, else its lane's name if that is a role."""
    value = (properties.get(ROLE_PROPERTY) or "").strip()
    if value:
        return value
    lane_name = (lane or "").strip()
    return lane_name if lane_name in TASK_ROLES else None


def parse_days(value: str) -> int | str | None:
    """A ``days`` property as written: a whole number, a variable name, or None when invalid."""
    value = value.strip()
    if value.isdigit():
        days = int(value)
        return days if days <= MAX_DAYS else None
    return value if _IDENTIFIER.match(value) else None


def days_of(properties: Mapping[str, str], data: Mapping[str, Any]) -> int | None:
    """The time limit of a task in working days, or None when it has none (or its variable is unset)."""
    raw = properties.get(DAYS_PROPERTY)
    if raw is None:
        return None
    parsed = parse_days(raw)
    if isinstance(parsed, str):
        value = data.get(parsed)
        # bool is an int in Python; a flag is not a time limit.
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
            return None
        return value
    return parsed


# --- Conditions -----------------------------------------------------------------------------

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Set,
    ast.Subscript,
)
MAX_EXPRESSION_LENGTH = 500


class ExpressionError(ValueError):
    """A condition is not in the dialect; the message says why."""


def _check_tree(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(f"{type(node).__name__} is not allowed")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ExpressionError(f"the name {node.id!r} is not allowed")
        if isinstance(node, ast.Constant) and not isinstance(node.value, str | int | float | bool | type(None)):
            raise ExpressionError(f"the constant {node.value!r} is not allowed")
        if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Constant):
            raise ExpressionError("only constant keys may be looked up")


@lru_cache(maxsize=512)
def _compiled(expression: str) -> Any:
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"longer than {MAX_EXPRESSION_LENGTH} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}") from exc
    _check_tree(tree)
    return compile(tree, "<condition>", "eval")


def check_expression(expression: str) -> str | None:
    """Why expression is not a valid condition, or None when it is."""
    try:
        _compiled(expression)
    except ExpressionError as exc:
        return str(exc)
    return None


class _Variables(dict[str, Any]):
    def __missing__(self, key: str) -> None:
        return None


def evaluate(expression: str, data: Mapping[str, Any]) -> Any:
    """Evaluate a checked condition over data. Raises ExpressionError, or TypeError on bad operands."""
    code = _compiled(expression)
    # The checked tree holds no calls or attributes, and no builtins are reachable.
    return eval(code, {"__builtins__": {}}, _Variables(data))  # noqa: S307
