"""Decision tables (DMN 1.3, as dmn-js writes them): read, check and evaluate, with a full trace.

A business-rule task in a process names a decision table (``camunda:decisionRef``); the kernel
evaluates it here and the process goes on with the table's outputs in its data. The platform
evaluates the tables itself rather than through SpiffWorkflow's DMN engine because that engine
turns cells into Python source and stops at the first match of a UNIQUE table; a decision that
approves an application must instead refuse to decide when two rules of a UNIQUE table match,
and must say exactly which rules matched on which input values.

What a table may hold (refused on upload otherwise, with the reason):

- **Inputs**: an input expression is a path into the case data, e.g. ``applicant.age``,
  ``form.business_scope`` or ``licences.business_licence.status``: names joined by dots.
  ``typeRef`` is ``string``, ``number``, ``boolean`` or ``date`` (ISO ``YYYY-MM-DD`` strings).
- **Input entries** (FEEL simple unary tests): ``-`` or empty (any value); a literal (``"text"``,
  ``80``, ``true``, ``null``, ``date("2025-01-01")``); a comparison (``< 18``, ``>= 80``);
  an interval (``[60..79]``, ``(0..10]``, ``]0..10[``); several of these separated by commas
  (any of them); ``not(...)`` around any of the above.
- **Output entries**: a literal or empty (null).
- **Hit policies**: UNIQUE, FIRST, ANY, PRIORITY (by the output's listed values), RULE ORDER
  and COLLECT (without aggregation, or SUM, MIN, MAX, COUNT).

An evaluation either decides (``status == "decided"``, with the outputs) or says why not:
``missing_input`` (an input the rules test has no value and no rule tests it for null),
``no_match``, ``conflict`` (a UNIQUE table with several matches, an ANY table whose matches
disagree), or ``error`` (an input of the wrong type). Nothing here touches the database.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",  # DMN 1.3 (dmn-js 10 and later)
    "http://www.omg.org/spec/DMN/20180521/MODEL/",  # DMN 1.2
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",  # DMN 1.1 (older Camunda Modeler files)
)
DMN13 = DMN_NAMESPACES[0]
MAX_BYTES = 500_000
MAX_RULES = 500
MAX_COLUMNS = 40

HIT_POLICIES = ("UNIQUE", "FIRST", "ANY", "PRIORITY", "RULE ORDER", "COLLECT")
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
TYPES = ("string", "number", "boolean", "date")

_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_DATE = re.compile(r'^date\(\s*"(\d{4}-\d{2}-\d{2})"\s*\)$')


class DmnError(ValueError):
    """A table or a cell is not in the supported part of DMN; the message says where and why."""


# --- Literals and unary tests -----------------------------------------------------------------


def _split_top(text: str, sep: str = ",") -> list[str]:
    """Split on sep outside quotes, brackets and parentheses."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(text):
        if ch == '"' and (i == 0 or text[i - 1] != "\\"):
            quoted = not quoted
        elif quoted:
            continue
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if quoted:
        raise DmnError("unclosed quote")
    parts.append(text[start:])
    return [p.strip() for p in parts]


def parse_literal(text: str) -> Any:
    """A FEEL literal: string, number, boolean, null or date("…")."""
    text = text.strip()
    if text == "null":
        return None
    if text in ("true", "false"):
        return text == "true"
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        inner = text[1:-1]
        if re.search(r'(?<!\\)"', inner):
            raise DmnError(f"{text!r} is not one string")
        return inner.replace('\\"', '"')
    if _NUMBER.match(text):
        return Decimal(text)
    m = _DATE.match(text)
    if m:
        try:
            return datetime.date.fromisoformat(m.group(1))
        except ValueError as exc:
            raise DmnError(f"{text!r} is not a date") from exc
    raise DmnError(f'{text!r} is not a literal (a quoted string, a number, true, false, null or date("…"))')


Test = Callable[[Any], bool]


def _compare(op: str, bound: Any) -> Test:
    def test(value: Any) -> bool:
        if value is None or bound is None:
            return False
        if type(value) is not type(bound):
            raise TypeError(f"cannot compare {value!r} with {bound!r}")
        if op == "<":
            return bool(value < bound)
        if op == "<=":
            return bool(value <= bound)
        if op == ">":
            return bool(value > bound)
        return bool(value >= bound)

    return test


def _equals(bound: Any) -> Test:
    def test(value: Any) -> bool:
        if value is None or bound is None:
            return value is None and bound is None
        if type(value) is not type(bound):
            raise TypeError(f"cannot compare {value!r} with {bound!r}")
        return bool(value == bound)

    return test


def _interval(text: str) -> Test:
    low_open = text[0] in "(]"
    high_open = text[-1] in ")["
    body = text[1:-1]
    if ".." not in body:
        raise DmnError(f"{text!r}: an interval is written [low..high]")
    low_text, high_text = body.split("..", 1)
    low, high = parse_literal(low_text), parse_literal(high_text)
    if low is None or high is None or type(low) is not type(high) or isinstance(low, bool | str):
        raise DmnError(f"{text!r}: both ends of an interval are numbers, or both dates")
    if low > high:
        raise DmnError(f"{text!r}: the low end is above the high end")
    above = _compare(">" if low_open else ">=", low)
    below = _compare("<" if high_open else "<=", high)
    return lambda v: above(v) and below(v)


def _positive(text: str) -> Test:
    for op in ("<=", ">=", "<", ">"):
        if text.startswith(op):
            bound = parse_literal(text[len(op) :])
            if bound is None or isinstance(bound, bool | str):
                raise DmnError(f"{text!r}: only numbers and dates are compared with {op}")
            return _compare(op, bound)
    if text[:1] in "[(]" and text[-1:] in "])[":
        return _interval(text)
    return _equals(parse_literal(text))


@dataclass(frozen=True)
class UnaryTests:
    text: str
    tests: tuple[Test, ...]
    negated: bool
    tests_null: bool  # the cell says something about a null value (null, or not(...) of one)

    @property
    def is_any(self) -> bool:
        return not self.tests and not self.negated

    def matches(self, value: Any) -> bool:
        if self.is_any:
            return True
        hit = any(t(value) for t in self.tests)
        return not hit if self.negated else hit


def parse_unary_tests(text: str) -> UnaryTests:
    """A FEEL simple-unary-tests cell (see the module docstring)."""
    raw = (text or "").strip()
    if raw in ("", "-"):
        return UnaryTests(raw, (), False, False)
    negated = False
    body = raw
    if re.match(r"^not\s*\(", body) and body.endswith(")"):
        negated = True
        body = body[body.index("(") + 1 : -1].strip()
        if not body:
            raise DmnError("not() needs a test inside")
    parts = _split_top(body)
    if any(not p for p in parts):
        raise DmnError(f"{raw!r}: an empty test between commas")
    tests = tuple(_positive(p) for p in parts)
    return UnaryTests(raw, tests, negated, any(p == "null" for p in parts))


# --- Tables -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    id: str
    label: str
    expression: str
    type: str


@dataclass(frozen=True)
class Output:
    id: str
    label: str
    name: str
    type: str
    values: tuple[Any, ...]  # the allowed values, in priority order (PRIORITY tables)


@dataclass(frozen=True)
class Rule:
    id: str
    number: int  # 1-based row number, as the table shows it
    description: str  # the annotation column: the rule in words, shown to the applicant
    entries: tuple[UnaryTests, ...]
    outputs: tuple[Any, ...]


@dataclass(frozen=True)
class Table:
    decision_id: str
    name: str
    hit_policy: str
    aggregation: str
    inputs: tuple[Input, ...]
    outputs: tuple[Output, ...]
    rules: tuple[Rule, ...]


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _text(node: etree._Element | None, ns: str) -> str:
    if node is None:
        return ""
    child = node.find(f"{{{ns}}}text")
    return (child.text or "").strip() if child is not None else ""


def _check_type(type_ref: str, where: str) -> str:
    type_ref = (type_ref or "string").strip()
    if type_ref not in TYPES:
        raise DmnError(f"{where}: type {type_ref!r} is not one of {', '.join(TYPES)}")
    return type_ref


def _literal_type_ok(value: Any, type_ref: str) -> bool:
    if value is None:
        return True
    return {
        "string": isinstance(value, str),
        "number": isinstance(value, Decimal),
        "boolean": isinstance(value, bool),
        "date": isinstance(value, datetime.date),
    }[type_ref]


def read(raw: str | bytes) -> list[Table]:
    """Every decision table of a DMN file, checked; raises DmnError listing every problem found."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    if len(data) > MAX_BYTES:
        raise DmnError(f"the file is larger than {MAX_BYTES // 1000} kB")
    try:
        root = etree.fromstring(data, _xml_parser())
    except etree.XMLSyntaxError as exc:
        raise DmnError(f"not well-formed XML: {exc}") from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise DmnError("the file declares a DTD; DMN files must not")
    ns = etree.QName(root).namespace or ""
    if ns not in DMN_NAMESPACES or etree.QName(root).localname != "definitions":
        raise DmnError("not a DMN file: the root element is not a DMN definitions element")
    tables, problems = [], []
    for decision in root.findall(f"{{{ns}}}decision"):
        try:
            tables.append(_read_decision(decision, ns))
        except DmnError as exc:
            problems.append(str(exc))
    if problems:
        raise DmnError("; ".join(problems))
    if not tables:
        raise DmnError("the file holds no decision table")
    ids = [t.decision_id for t in tables]
    if len(set(ids)) != len(ids):
        raise DmnError("two decisions have the same id")
    return tables


def _read_decision(decision: etree._Element, ns: str) -> Table:
    did = decision.get("id") or ""
    name = decision.get("name") or did
    where = f"decision {did!r}"
    if not re.match(r"^[a-z][a-z0-9_]{0,63}$", did):
        raise DmnError(
            f"{where}: a decision id has lower-case letters, digits and _ (up to 64), starting with a letter"
        )
    table = decision.find(f"{{{ns}}}decisionTable")
    if table is None:
        raise DmnError(f"{where}: only decision tables are supported (no literal expressions or requirements)")
    if decision.find(f"{{{ns}}}informationRequirement") is not None:
        raise DmnError(f"{where}: decisions that depend on other decisions are not supported")
    hit = (table.get("hitPolicy") or "UNIQUE").strip().upper()
    if hit not in HIT_POLICIES:
        raise DmnError(f"{where}: hit policy {hit!r} is not supported ({', '.join(HIT_POLICIES)})")
    aggregation = (table.get("aggregation") or "").strip().upper()
    if aggregation and (hit != "COLLECT" or aggregation not in AGGREGATIONS):
        raise DmnError(f"{where}: aggregation {aggregation!r} is only for COLLECT ({', '.join(AGGREGATIONS)})")

    inputs = []
    for i, node in enumerate(table.findall(f"{{{ns}}}input"), start=1):
        expr_node = node.find(f"{{{ns}}}inputExpression")
        expression = _text(expr_node, ns)
        label = node.get("label") or expression
        place = f"{where}, input {i} ({label})"
        if not _PATH.match(expression):
            raise DmnError(f"{place}: the input expression {expression!r} is not a path such as applicant.age")
        type_ref = _check_type(expr_node.get("typeRef", "string") if expr_node is not None else "string", place)
        inputs.append(Input(node.get("id") or f"input_{i}", label, expression, type_ref))
    outputs = []
    for i, node in enumerate(table.findall(f"{{{ns}}}output"), start=1):
        name_ = node.get("name") or ""
        place = f"{where}, output {i}"
        if not re.match(r"^[a-z][a-z0-9_]{0,63}$", name_):
            raise DmnError(f"{place}: an output name has lower-case letters, digits and _ (e.g. decision)")
        type_ref = _check_type(node.get("typeRef", "string"), place)
        values: tuple[Any, ...] = ()
        values_node = node.find(f"{{{ns}}}outputValues")
        if values_node is not None and _text(values_node, ns):
            values = tuple(parse_literal(v) for v in _split_top(_text(values_node, ns)))
        outputs.append(Output(node.get("id") or f"output_{i}", node.get("label") or name_, name_, type_ref, values))
    if not inputs or not outputs:
        raise DmnError(f"{where}: a table needs at least one input and one output")
    if len(inputs) > MAX_COLUMNS or len(outputs) > MAX_COLUMNS:
        raise DmnError(f"{where}: more than {MAX_COLUMNS} columns")
    if len({o.name for o in outputs}) != len(outputs):
        raise DmnError(f"{where}: two outputs have the same name")
    if hit == "PRIORITY" and any(not o.values for o in outputs):
        raise DmnError(f"{where}: a PRIORITY table lists the allowed values of each output, highest priority first")
    if aggregation and len(outputs) != 1:
        raise DmnError(f"{where}: an aggregated COLLECT table has one output")

    rules = []
    rule_nodes = table.findall(f"{{{ns}}}rule")
    if len(rule_nodes) > MAX_RULES:
        raise DmnError(f"{where}: more than {MAX_RULES} rules")
    for n, node in enumerate(rule_nodes, start=1):
        at = f"{where}, rule {n}"
        entries = node.findall(f"{{{ns}}}inputEntry")
        outs = node.findall(f"{{{ns}}}outputEntry")
        if len(entries) != len(inputs) or len(outs) != len(outputs):
            raise DmnError(f"{at}: the rule has {len(entries)} input and {len(outs)} output cells")
        cells = []
        for col, (entry, inp) in enumerate(zip(entries, inputs, strict=True), start=1):
            try:
                cells.append(parse_unary_tests(_text(entry, ns)))
            except DmnError as exc:
                raise DmnError(f"{at}, input {col} ({inp.label}): {exc}") from exc
        values_ = []
        for col, (entry, out) in enumerate(zip(outs, outputs, strict=True), start=1):
            text = _text(entry, ns)
            try:
                value = parse_literal(text) if text else None
            except DmnError as exc:
                raise DmnError(f"{at}, output {col} ({out.label}): {exc}") from exc
            if not _literal_type_ok(value, out.type):
                raise DmnError(f"{at}, output {col} ({out.label}): {text} is not a {out.type}")
            if out.values and value not in out.values:
                raise DmnError(f"{at}, output {col} ({out.label}): {text} is not one of the listed values")
            values_.append(value)
        description = (node.findtext(f"{{{ns}}}description") or "").strip()
        rules.append(Rule(node.get("id") or f"rule_{n}", n, description, tuple(cells), tuple(values_)))
    if not rules:
        raise DmnError(f"{where}: the table has no rules")
    return Table(did, name, hit, aggregation, tuple(inputs), tuple(outputs), tuple(rules))


def read_one(raw: str | bytes, decision_id: str | None = None) -> Table:
    """The table of a file holding one decision (or the one with decision_id)."""
    tables = read(raw)
    if decision_id is None:
        if len(tables) != 1:
            raise DmnError("the file holds several decisions; name the one meant")
        return tables[0]
    for t in tables:
        if t.decision_id == decision_id:
            return t
    raise DmnError(f"the file has no decision {decision_id!r}")


# --- Evaluation -------------------------------------------------------------------------------


DECIDED = "decided"
MISSING_INPUT = "missing_input"
NO_MATCH = "no_match"
CONFLICT = "conflict"
ERROR = "error"
STATUSES = (DECIDED, MISSING_INPUT, NO_MATCH, CONFLICT, ERROR)


@dataclass(frozen=True)
class Evaluation:
    status: str
    outputs: dict[str, Any]
    inputs: dict[str, Any]  # input expression -> the value used (JSON-ready)
    matched: list[int]  # rule numbers that matched, in table order
    detail: list[str] = field(default_factory=list)  # missing inputs' labels, or the error

    @property
    def decided(self) -> bool:
        return self.status == DECIDED


def lookup(data: Mapping[str, Any], path: str) -> Any:
    value: Any = data
    for name in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value


def _coerce(value: Any, type_ref: str, label: str) -> Any:
    """A value from the case data as the input's type; raises TypeError when it is not one."""
    if value is None or value == "":
        return None
    if type_ref == "number":
        if isinstance(value, bool):
            raise TypeError(f"{label}: {value!r} is not a number")
        if isinstance(value, int | float | Decimal):
            return Decimal(str(value))
        if isinstance(value, str):
            try:
                return Decimal(value.strip())
            except InvalidOperation:
                pass
        raise TypeError(f"{label}: {value!r} is not a number")
    if type_ref == "boolean":
        if isinstance(value, bool):
            return value
        raise TypeError(f"{label}: {value!r} is not true or false")
    if type_ref == "date":
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value)[:10])
        except ValueError:
            raise TypeError(f"{label}: {value!r} is not a date") from None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"{label}: {value!r} is not text")


def to_json(value: Any) -> Any:
    """A FEEL value as JSON data: numbers as int or float, dates as ISO text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def evaluate(table: Table, data: Mapping[str, Any]) -> Evaluation:
    """Evaluate a table over the case data (see the module docstring for the statuses)."""
    values: list[Any] = []
    shown: dict[str, Any] = {}
    try:
        for inp in table.inputs:
            value = _coerce(lookup(data, inp.expression), inp.type, inp.label)
            values.append(value)
            shown[inp.expression] = to_json(value)
    except TypeError as exc:
        return Evaluation(ERROR, {}, shown, [], [str(exc)])
    missing = [
        inp.label
        for col, (inp, value) in enumerate(zip(table.inputs, values, strict=True))
        if value is None
        and any(not r.entries[col].is_any for r in table.rules)
        and not any(r.entries[col].tests_null for r in table.rules)
    ]
    if missing:
        return Evaluation(MISSING_INPUT, {}, shown, [], missing)
    matched: list[Rule] = []
    try:
        for rule in table.rules:
            if all(cell.matches(v) for cell, v in zip(rule.entries, values, strict=True)):
                matched.append(rule)
                if table.hit_policy == "FIRST":
                    break
    except TypeError as exc:
        return Evaluation(ERROR, {}, shown, [r.number for r in matched], [str(exc)])
    numbers = [r.number for r in matched]
    names = [o.name for o in table.outputs]
    if not matched:
        return Evaluation(NO_MATCH, {}, shown, [])
    policy = table.hit_policy
    if policy == "UNIQUE" and len(matched) > 1:
        return Evaluation(CONFLICT, {}, shown, numbers)
    if policy == "ANY" and len({r.outputs for r in matched}) > 1:
        return Evaluation(CONFLICT, {}, shown, numbers)
    if policy in ("UNIQUE", "FIRST", "ANY"):
        return Evaluation(DECIDED, dict(zip(names, map(to_json, matched[0].outputs), strict=True)), shown, numbers)
    if policy == "PRIORITY":

        def rank(rule: Rule) -> tuple[int, ...]:
            return tuple(o.values.index(v) for o, v in zip(table.outputs, rule.outputs, strict=True))

        best = min(matched, key=rank)
        return Evaluation(DECIDED, dict(zip(names, map(to_json, best.outputs), strict=True)), shown, numbers)
    # RULE ORDER and COLLECT: lists of every match's outputs, or one aggregate.
    if table.aggregation:
        column = [r.outputs[0] for r in matched if r.outputs[0] is not None]
        if table.aggregation == "COUNT":
            result: Any = len(column)
        elif not column:
            result = None
        elif table.aggregation == "SUM":
            result = sum(column)
        else:
            result = min(column) if table.aggregation == "MIN" else max(column)
        return Evaluation(DECIDED, {names[0]: to_json(result)}, shown, numbers)
    lists = {name: [to_json(r.outputs[i]) for r in matched] for i, name in enumerate(names)}
    return Evaluation(DECIDED, lists, shown, numbers)


def overlapping_rules(table: Table) -> list[tuple[int, int]]:
    """Pairs of rules of a UNIQUE table that some input could match both of (checked on upload).

    Exact for cells of literals, comparisons, intervals and their negations over numbers, dates,
    strings and booleans: two cells overlap when a value at, around or outside their bounds
    matches both."""
    if table.hit_policy != "UNIQUE":
        return []
    pairs = []
    for i, a in enumerate(table.rules):
        for b in table.rules[i + 1 :]:
            if all(_may_overlap(x, y) for x, y in zip(a.entries, b.entries, strict=True)):
                pairs.append((a.number, b.number))
    return pairs


def _may_overlap(a: UnaryTests, b: UnaryTests) -> bool:
    if a.is_any or b.is_any:
        return True
    probes = _probes(a) | _probes(b)
    if not probes:
        return True
    # A value neither cell names, of each type they use: what a not(...) cell lets through.
    kinds = {type(v) for v in probes}
    probes |= {_OTHER[k] for k in kinds if k in _OTHER} | {None}
    for value in probes:
        try:
            if a.matches(value) and b.matches(value):
                return True
        except TypeError:
            continue
    return False


_OTHER: dict[type, Any] = {
    str: "\x00another value",
    Decimal: Decimal("-1e30"),
    datetime.date: datetime.date.min,
    bool: False,
}


def _probes(cell: UnaryTests) -> set[Any]:
    """Values at and around a cell's bounds: two cells of literals, comparisons and intervals
    overlap exactly when one of their probes matches both."""
    found: set[Any] = set()
    for part in _split_top(cell.text):
        for token in re.findall(r'"(?:[^"\\]|\\.)*"|date\("[^"]*"\)|-?\d+(?:\.\d+)?|true|false|null', part):
            value = parse_literal(token)
            found.add(value)
            if isinstance(value, Decimal):
                found |= {value - Decimal("0.000001"), value + Decimal("0.000001")}
            elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
                found |= {value - datetime.timedelta(days=1), value + datetime.timedelta(days=1)}
    return found
