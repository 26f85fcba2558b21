"""The one module that imports SpiffWorkflow (3.2): parse, run, serialize, restore.

Everything else in the platform sees plain data: a definition is checked with
:func:`schema_errors` and :func:`parse_errors`, an instance is a :class:`Run` created by
:func:`start` or :func:`restore` and saved with :meth:`Run.dump`, and ready human work is a list
of :class:`HumanTask`. Nothing here touches the database; the services lock, load and save around
it. Branch conditions are evaluated by :mod:`dgov.workflow.dialect`, never by Python's eval of
uploaded text, and script or service tasks run no code.

The Camunda parser is used because bpmn-js (with camunda-bpmn-moddle) writes that dialect:
``camunda:properties`` on user tasks (role, days, see :mod:`dgov.workflow.dialect`),
``camunda:formData`` for the fields a step asks for, and ``camunda:decisionRef`` on
business-rule tasks. A business-rule task does not carry its table: the engine pauses on it and
asks the *decider* it was given (see :data:`Decider`) for the outputs, so the services choose the
table version, evaluate it with :mod:`dgov.workflow.dmn` and keep the trace; the decision ref may
name a process variable as ``${name}``, so one process serves items with different tables.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, BpmnValidator, full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.defaults import EndEvent, NoneTask
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS, CamundaTaskParser
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG
from SpiffWorkflow.camunda.specs.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from dgov.workflow import dialect

EngineState = dict[str, Any]

# SpiffWorkflow logs every task state change at INFO: a dozen lines a step, task data attached.


class EngineError(Exception):
    """The engine refused: ``code`` says what kind of refusal, ``detail`` is the engine's own words."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class FormField:
    """A field a user task asks for (``camunda:formField``)."""

    id: str
    type: str
    label: str
    required: bool
    options: tuple[str, ...]  # allowed values of an enum field, else empty


@dataclass(frozen=True)
class HumanTask:
    """A READY user task, as the services mirror it into a ``Task`` row."""

    id: str  # the engine's task uuid, new for each pass through the step
    spec_id: str  # the BPMN element id, e.g. "review_step"
    name: str
    role: str | None
    days: int | None
    fields: tuple[FormField, ...]


@dataclass(frozen=True)
class DecisionCall:
    """What a business-rule task asked and what the decider answered, for the services to keep."""

    step: str  # the task's BPMN id
    decision_ref: str  # the table key, variables resolved
    outputs: dict[str, Any]
    trace: Any  # whatever the decider returned alongside (the services' evaluation record)


# decider(decision_key, process data) -> (outputs merged into the data, trace kept on the Run)
Decider = Callable[[str, Mapping[str, Any]], tuple[dict[str, Any], Any]]


# --- Business-rule tasks ----------------------------------------------------------------------


class DecisionTask(NoneTask):  # type: ignore[misc]  # untyped base
    """A ``bpmn:businessRuleTask``: the engine pauses on it and asks its decider (see the module doc)."""

    def __init__(self, wf_spec: Any, bpmn_id: str, decision_ref: str = "", **kwargs: Any):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.decision_ref = decision_ref


class _DecisionTaskParser(CamundaTaskParser):  # type: ignore[misc]  # untyped base
    def create_task(self) -> DecisionTask:
        ref = self.node.get(f"{{{CAMUNDA_MODEL_NS}}}decisionRef", "")
        return DecisionTask(self.spec, self.bpmn_id, decision_ref=ref, **self.bpmn_attributes)


class _DecisionTaskConverter(BpmnTaskSpecConverter):  # type: ignore[misc]  # untyped base
    def to_dict(self, spec: DecisionTask) -> dict[str, Any]:
        dct: dict[str, Any] = self.get_default_attributes(spec)
        dct["decision_ref"] = spec.decision_ref
        return dct


class _Parser(CamundaParser):  # type: ignore[misc]  # untyped base
    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("businessRuleTask"): (_DecisionTaskParser, DecisionTask),
    }

    def _find_dependencies(self, process: Any) -> None:
        # The DMN parser would list each decisionRef as a DMN file to load; the platform's tables
        # are looked up by the decider at run time instead.
        BpmnParser._find_dependencies(self, process)


_VARIABLE_REF = re.compile(r"^\$\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}$")


def resolve_decision_ref(ref: str, data: Mapping[str, Any]) -> str:
    """The table key a business-rule task names: literally, or the value of ``${variable}``."""
    m = _VARIABLE_REF.match(ref.strip())
    if not m:
        return ref.strip()
    value = data.get(m.group(1))
    return value if isinstance(value, str) else ""


def is_variable_ref(ref: str) -> bool:
    return bool(_VARIABLE_REF.match(ref.strip()))


# --- Conditions -------------------------------------------------------------------------------


class _DialectEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]  # untyped base
    def evaluate(self, expression: str, context: Mapping[str, Any], external_context: Any = None) -> Any:
        variables = {**(external_context or {}), **context}
        return dialect.evaluate(expression, variables)

    def execute(self, script: str, context: Any, external_context: Any = None) -> bool:
        # Script tasks are refused on upload; a definition that slipped through still runs no code.
        raise EngineError("script", "script tasks are not supported")

    def call_service(self, context: Any, **kwargs: Any) -> Any:
        raise EngineError("service", "service tasks are not supported")


_SCRIPT_ENGINE = PythonScriptEngine(environment=_DialectEnvironment())


# --- Parsing ----------------------------------------------------------------------------------

_local = threading.local()


def _validator() -> Any:
    # Building the XSD schema takes ~15 ms; lxml schema objects are not shared across threads.
    validator = getattr(_local, "validator", None)
    if validator is None:
        validator = _local.validator = BpmnValidator()
    return validator


def schema_errors(document: etree._Element) -> list[str]:
    """Errors of a parsed BPMN document against the BPMN 2.0 XML schema."""
    try:
        _validator().validate(document)
    except ValidationException as exc:
        line = f" (line {exc.line_number})" if exc.line_number else ""
        return [f"{exc}{line}"]
    return []


def _describe(exc: ValidationException) -> str:
    where = " ".join(p for p in (exc.tag, f"id={exc.id!r}" if exc.id else "", exc.name) if p)
    line = f", line {exc.line_number}" if exc.line_number else ""
    return f"{exc}".rstrip(". ") + (f" ({where}{line})" if where else "")


def xml_parser() -> etree.XMLParser:
    """An lxml parser for uploaded XML: no DTDs, no entity expansion, no network (XXE, billion laughs)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _parse(document: etree._Element, process_id: str) -> Any:
    parser = _Parser()
    parser.add_bpmn_xml(document, filename=f"{process_id}.bpmn")
    return parser.get_spec(process_id)


@lru_cache(maxsize=64)
def _spec(bpmn_xml: str, process_id: str) -> Any:
    # Keyed by content: a definition version never changes, so its parsed spec can be shared.
    return _parse(etree.fromstring(bpmn_xml.encode("utf-8"), xml_parser()), process_id)


def parse_errors(document: etree._Element, process_id: str) -> list[str]:
    """What SpiffWorkflow's parser says about a process (empty when it parses)."""
    try:
        _parse(document, process_id)
    except ValidationException as exc:
        return [_describe(exc)]
    except SpiffWorkflowException as exc:
        return [str(exc)]
    return []


def clear_caches() -> None:
    """Forget parsed specs and the serializer (tests use it to prove a cold restore works)."""
    _spec.cache_clear()
    _serializer.cache_clear()
    _local.__dict__.clear()


# --- Serialization ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _serializer() -> Any:
    config = {**DEFAULT_CONFIG, DecisionTask: _DecisionTaskConverter}
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


def _engine_error(exc: SpiffWorkflowException) -> EngineError:
    if isinstance(exc.__cause__, EngineError):
        return exc.__cause__
    return EngineError("engine", str(exc))


# --- Running ----------------------------------------------------------------------------------


class Run:
    """One process instance in memory, between a restore (or start) and a dump."""

    def __init__(self, workflow: Any, decider: Decider | None = None):
        self._workflow = workflow
        self._decider = decider
        # The business-rule tasks decided since this Run was made (start, restore), in order.
        self.decisions: list[DecisionCall] = []

    def _decide(self, task: Any) -> None:
        spec = task.task_spec
        key = resolve_decision_ref(spec.decision_ref, task.data)
        if not key:
            raise EngineError("decision", f"{spec.bpmn_id}: the decision ref {spec.decision_ref!r} names no table")
        if self._decider is None:
            raise EngineError("decision", f"{spec.bpmn_id}: no decider to evaluate {key!r}")
        outputs, trace = self._decider(key, task.data)
        task.data.update(outputs)
        self.decisions.append(DecisionCall(spec.bpmn_id, key, dict(outputs), trace))

    def _advance(self) -> None:
        """Run the engine until only human work (or nothing) is left.

        A plain ``bpmn:task`` is a milestone (e.g. 办结 conclude): SpiffWorkflow treats it as
        manual, the platform passes it, as Camunda does for an undefined task. A business-rule
        task is decided by the decider, then passed.
        """
        workflow = self._workflow
        try:
            while True:
                workflow.do_engine_steps()
                ready = [
                    t
                    for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                    if type(t.task_spec) in (NoneTask, DecisionTask)
                ]
                if not ready:
                    return
                for task in ready:
                    if isinstance(task.task_spec, DecisionTask):
                        self._decide(task)
                    task.run()
        except EngineError:
            raise
        except SpiffWorkflowException as exc:
            raise _engine_error(exc) from exc

    def human_tasks(self) -> list[HumanTask]:
        """The READY user tasks, in the engine's order."""
        result = []
        for task in self._workflow.get_tasks(state=TaskState.READY, manual=True):
            spec = task.task_spec
            if not isinstance(spec, UserTask):
                continue
            properties = dict(getattr(spec, "extensions", None) or {})
            result.append(
                HumanTask(
                    id=str(task.id),
                    spec_id=spec.bpmn_id,
                    name=spec.bpmn_name or spec.bpmn_id,
                    role=dialect.role_of(properties, spec.lane),
                    days=dialect.days_of(properties, task.data),
                    fields=_form_fields(spec),
                )
            )
        return result

    def human_task(self, task_id: str) -> HumanTask | None:
        return next((t for t in self.human_tasks() if t.id == task_id), None)

    def complete(self, task_id: str, data: Mapping[str, Any]) -> None:
        """Complete a READY user task with the step's data, then run until the process waits."""
        task = next(
            (t for t in self._workflow.get_tasks(state=TaskState.READY, manual=True) if str(t.id) == task_id),
            None,
        )
        if task is None or not isinstance(task.task_spec, UserTask):
            raise EngineError("not_ready", f"task {task_id} is not a ready user task")
        task.data.update(data)
        try:
            task.run()
        except SpiffWorkflowException as exc:
            raise _engine_error(exc) from exc
        self._advance()

    def cancel(self) -> None:
        self._workflow.cancel()

    @property
    def completed(self) -> bool:
        return bool(self._workflow.is_completed())

    @property
    def outcome(self) -> str:
        """The id of the end event reached ('' while running or when none was)."""
        ends = self._workflow.get_tasks(state=TaskState.COMPLETED, spec_class=EndEvent)
        ids = [t.task_spec.bpmn_id for t in ends if t.task_spec.bpmn_id]
        return ids[-1] if ids else ""

    def dump(self) -> EngineState:
        """The whole state as JSON-ready data (spec included, so the instance keeps its version)."""
        serializer = _serializer()
        state: EngineState = serializer.to_dict(self._workflow)
        state[serializer.VERSION_KEY] = serializer.VERSION
        return state


def _form_fields(spec: Any) -> tuple[FormField, ...]:
    form = getattr(spec, "form", None)
    fields = []
    for f in getattr(form, "fields", []) or []:
        fields.append(
            FormField(
                id=f.id,
                type=f.type or "string",
                label=f.label or f.id,
                # <camunda:constraint name="required" /> carries no config: its presence is the rule.
                required=any(v.name == "required" for v in f.validation),
                options=tuple(o.id for o in getattr(f, "options", [])),
            )
        )
    return tuple(fields)


def start(bpmn_xml: str, process_id: str, data: Mapping[str, Any], decider: Decider | None = None) -> Run:
    """A new instance of a (validated) process with its start data, run until it waits."""
    try:
        spec = _spec(bpmn_xml, process_id)
    except SpiffWorkflowException as exc:
        raise EngineError("definition", str(exc)) from exc
    workflow = BpmnWorkflow(spec, script_engine=_SCRIPT_ENGINE)
    # The READY start task hands its data down to every later step.
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    run = Run(workflow, decider)
    run._advance()
    return run


def restore(state: EngineState, decider: Decider | None = None) -> Run:
    """An instance from its dumped state. Consumes ``state`` (SpiffWorkflow pops keys from it)."""
    serializer = _serializer()
    try:
        serializer.migrate(state)
        workflow = serializer.from_dict(state)
    except SpiffWorkflowException as exc:
        raise EngineError("state", str(exc)) from exc
    workflow.script_engine = _SCRIPT_ENGINE
    return Run(workflow, decider)
