"""Decision tables: reading, refusing what is not supported, and evaluating with a trace."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest

from dgov.workflow import dmn

NS = dmn.DMN13


def table_xml(
    rules: list[tuple[list[str], list[str], str]],
    *,
    hit: str = "UNIQUE",
    inputs: tuple[tuple[str, str], ...] = (("applicant.age", "number"), ("applicant.registered", "boolean")),
    outputs: tuple[tuple[str, str], ...] = (("decision", "string"),),
    aggregation: str = "",
    output_values: str = "",
    key: str = "allowance",
) -> str:
    ins = "".join(
        f'<input id="in{i}" label="{expr}"><inputExpression id="ie{i}" typeRef="{t}"><text>{expr}</text>'
        "</inputExpression></input>"
        for i, (expr, t) in enumerate(inputs)
    )
    values = f"<outputValues><text>{output_values}</text></outputValues>" if output_values else ""
    outs = "".join(
        f'<output id="out{i}" label="{n}" name="{n}" typeRef="{t}">{values}</output>'
        for i, (n, t) in enumerate(outputs)
    )
    body = ""
    for n, (cells, results, note) in enumerate(rules):
        body += f'<rule id="r{n}"><description>{note}</description>'
        body += "".join(f"<inputEntry><text>{escape(c)}</text></inputEntry>" for c in cells)
        body += "".join(f"<outputEntry><text>{escape(c)}</text></outputEntry>" for c in results)
        body += "</rule>"
    agg = f' aggregation="{aggregation}"' if aggregation else ""
    return (
        f'<definitions xmlns="{NS}" id="d" name="d" namespace="x"><decision id="{key}" name="高龄津贴">'
        f'<decisionTable id="t" hitPolicy="{hit}"{agg}>{ins}{outs}{body}</decisionTable></decision></definitions>'
    )


ALLOWANCE = [
    ([">= 80", "true"], ['"approve"'], "年满80周岁且本区户籍"),
    (["< 80", "-"], ['"reject"'], "未满80周岁"),
    ([">= 80", "false"], ['"refer"'], "非本区户籍"),
]


def evaluate(xml: str, data: dict) -> dmn.Evaluation:
    return dmn.evaluate(dmn.read_one(xml), data)


def test_a_unique_table_decides_and_keeps_the_trace():
    result = evaluate(table_xml(ALLOWANCE), {"applicant": {"age": 83, "registered": True}})
    assert result.status == dmn.DECIDED
    assert result.outputs == {"decision": "approve"}
    assert result.matched == [1]
    assert result.inputs == {"applicant.age": 83, "applicant.registered": True}


def test_each_rule_of_the_allowance_table():
    xml = table_xml(ALLOWANCE)
    assert evaluate(xml, {"applicant": {"age": 79, "registered": True}}).outputs == {"decision": "reject"}
    assert evaluate(xml, {"applicant": {"age": 90, "registered": False}}).outputs == {"decision": "refer"}
    # Numbers written as text in a form are numbers to a number input.
    assert evaluate(xml, {"applicant": {"age": "80", "registered": True}}).matched == [1]


def test_overlapping_rules_of_a_unique_table_are_refused_at_evaluation():
    overlapping = [(["> 60", "-"], ['"approve"'], ""), (["> 70", "true"], ['"refer"'], "")]
    result = evaluate(table_xml(overlapping), {"applicant": {"age": 75, "registered": True}})
    assert result.status == dmn.CONFLICT
    assert result.matched == [1, 2]
    assert result.outputs == {}


def test_overlapping_rules_are_found_before_upload():
    overlapping = [(["> 60", "-"], ['"approve"'], ""), (["[61..70]", "true"], ['"refer"'], "")]
    assert dmn.overlapping_rules(dmn.read_one(table_xml(overlapping))) == [(1, 2)]
    assert dmn.overlapping_rules(dmn.read_one(table_xml(ALLOWANCE))) == []
    exclusive = [
        (["< 18", "-"], ['"reject"'], ""),
        (["[18..60]", "-"], ['"approve"'], ""),
        (["> 60", "-"], ['"refer"'], ""),
    ]
    assert dmn.overlapping_rules(dmn.read_one(table_xml(exclusive))) == []
    touching = [(["<= 18", "-"], ['"reject"'], ""), (["[18..60]", "-"], ['"approve"'], "")]
    assert dmn.overlapping_rules(dmn.read_one(table_xml(touching))) == [(1, 2)]


def test_a_missing_input_is_not_decided():
    result = evaluate(table_xml(ALLOWANCE), {"applicant": {"registered": True}})
    assert result.status == dmn.MISSING_INPUT
    assert result.detail == ["applicant.age"]
    assert result.matched == []


def test_a_table_that_tests_for_null_handles_the_missing_value_itself():
    rules = [(["null", "-"], ['"refer"'], ""), (["not(null)", "-"], ['"approve"'], "")]
    result = evaluate(table_xml(rules), {"applicant": {}})
    assert result.status == dmn.DECIDED
    assert result.outputs == {"decision": "refer"}


def test_no_match_and_wrong_types():
    rules = [([">= 80", "true"], ['"approve"'], "")]
    assert evaluate(table_xml(rules), {"applicant": {"age": 50, "registered": True}}).status == dmn.NO_MATCH
    wrong = evaluate(table_xml(rules), {"applicant": {"age": "eighty", "registered": True}})
    assert wrong.status == dmn.ERROR
    assert "eighty" in wrong.detail[0]
    assert evaluate(table_xml(rules), {"applicant": {"age": 80, "registered": "yes"}}).status == dmn.ERROR


def test_first_any_priority_collect_and_rule_order():
    both = [([">= 60", "-"], ['"a"'], ""), ([">= 80", "-"], ['"b"'], "")]
    data = {"applicant": {"age": 85, "registered": True}}
    assert evaluate(table_xml(both, hit="FIRST"), data).outputs == {"decision": "a"}
    assert evaluate(table_xml(both, hit="FIRST"), data).matched == [1]
    assert evaluate(table_xml(both, hit="ANY"), data).status == dmn.CONFLICT
    same = [([">= 60", "-"], ['"a"'], ""), ([">= 80", "-"], ['"a"'], "")]
    assert evaluate(table_xml(same, hit="ANY"), data).outputs == {"decision": "a"}
    assert evaluate(table_xml(both, hit="PRIORITY", output_values='"b","a"'), data).outputs == {"decision": "b"}
    assert evaluate(table_xml(both, hit="RULE ORDER"), data).outputs == {"decision": ["a", "b"]}
    amounts = [([">= 60", "-"], ["100"], ""), ([">= 80", "-"], ["200.5"], "")]
    out = (("amount", "number"),)
    assert evaluate(table_xml(amounts, hit="COLLECT", aggregation="SUM", outputs=out), data).outputs == {
        "amount": 300.5
    }
    assert evaluate(table_xml(amounts, hit="COLLECT", aggregation="COUNT", outputs=out), data).outputs == {"amount": 2}
    assert evaluate(table_xml(amounts, hit="COLLECT", aggregation="MAX", outputs=out), data).outputs == {
        "amount": 200.5
    }


@pytest.mark.parametrize(
    ("cell", "value", "expected"),
    [
        ('"零售","餐饮"', "餐饮", True),
        ('"零售","餐饮"', "烟草", False),
        ('not("烟草")', "零售", True),
        ('not("烟草")', "烟草", False),
        ("[18..60]", 18, True),
        ("]18..60]", 18, False),
        ("(18..60)", 60, False),
        ("[18..60[", 59.5, True),
        ("< 10, > 20", 25, True),
        ("< 10, > 20", 15, False),
        ('date("2025-01-01")', "2025-01-01", True),
        ('>= date("2025-01-01")', "2024-12-31", False),
        ("true", True, True),
        ("-", None, True),
    ],
)
def test_unary_tests(cell, value, expected):
    tests = dmn.parse_unary_tests(cell)
    if isinstance(value, str) and value[:4].isdigit():
        value = dmn._coerce(value, "date", "d")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        value = dmn._coerce(value, "number", "n")
    assert tests.matches(value) is expected


@pytest.mark.parametrize(
    ("xml", "words"),
    [
        ("<not-dmn/>", "not a DMN file"),
        ("<definitions", "not well-formed"),
        (table_xml([(["foo(1)", "-"], ['"a"'], "")]), "is not a literal"),
        (table_xml([(["[80..60]", "-"], ['"a"'], "")]), "low end is above"),
        (table_xml([([">= 80", "-"], ["approve"], "")]), "is not a literal"),
        (table_xml([([">= 80", "-"], ["1"], "")]), "is not a string"),
        (table_xml(ALLOWANCE, hit="OUTPUT ORDER"), "not supported"),
        (table_xml(ALLOWANCE, inputs=(("age + 1", "number"), ("x", "boolean"))), "is not a path"),
        (table_xml([([">= 80"], ['"a"'], "")]), "1 input and 1 output cells"),
        (table_xml(ALLOWANCE, key="Bad-Key"), "decision id has lower-case"),
        (table_xml([], hit="FIRST"), "no rules"),
        (table_xml(ALLOWANCE, hit="PRIORITY"), "PRIORITY table lists"),
    ],
)
def test_unsupported_or_broken_tables_are_refused_with_the_reason(xml, words):
    with pytest.raises(dmn.DmnError) as exc:
        dmn.read(xml)
    assert words in str(exc.value)


def test_external_entities_are_not_expanded():
    xml = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + table_xml(
        [(["X", "-"], ['"a"'], "")]
    ).replace("<text>X</text>", "<text>&x;</text>")
    with pytest.raises(dmn.DmnError) as exc:
        dmn.read(xml)
    assert "DTD" in str(exc.value)


def test_negated_cells_are_told_apart_or_not():
    inputs = (("applicant.status", "string"),)
    exclusive = [(['"married"'], ['"a"'], ""), (['not("married")'], ['"b"'], "")]
    assert dmn.overlapping_rules(dmn.read_one(table_xml(exclusive, inputs=inputs))) == []
    both_negated = [(['not("a")'], ['"a"'], ""), (['not("b")'], ['"b"'], "")]
    assert dmn.overlapping_rules(dmn.read_one(table_xml(both_negated, inputs=inputs))) == [(1, 2)]
    numbers = (("applicant.age", "number"),)
    outside = [(["not([10..20])"], ['"a"'], ""), (["[12..15]"], ['"b"'], "")]
    assert dmn.overlapping_rules(dmn.read_one(table_xml(outside, inputs=numbers))) == []
    beyond = [(["not([10..20])"], ['"a"'], ""), (["> 15"], ['"b"'], "")]
    assert dmn.overlapping_rules(dmn.read_one(table_xml(beyond, inputs=numbers))) == [(1, 2)]
