"""Checking an uploaded BPMN file before anything is stored: every problem, in words an author can act on.

The kernel runs a deliberately small part of BPMN: start and end events, user tasks, plain tasks
(milestones), business-rule tasks (decision tables, see :mod:`dgov.workflow.dmn`), exclusive,
parallel and inclusive gateways, sequence flows with conditions in the
platform's dialect (see :mod:`dgov.workflow.dialect`), lanes and annotations. Anything else (script
and service tasks, timers, messages, sub-processes, loops) is refused on upload rather than failing
in a running case; support is added element by element, with tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from lxml import etree

from dgov.accounts.models import Role
from dgov.workflow import dialect, engine

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}
MAX_BYTES = 1_000_000
_DECISION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

# Direct children of bpmn:process that the kernel runs or ignores harmlessly.
SUPPORTED_PROCESS_CHILDREN = frozenset(
    {
        "startEvent",
        "endEvent",
        "userTask",
        "task",
        "businessRuleTask",
        "exclusiveGateway",
        "parallelGateway",
        "inclusiveGateway",
        "sequenceFlow",
        "laneSet",
        "textAnnotation",
        "association",
        "documentation",
        "extensionElements",
    }
)
# BPMN children of those elements that change behaviour and are not run by the kernel.
UNSUPPORTED_INNER = frozenset(
    {
        "multiInstanceLoopCharacteristics",
        "standardLoopCharacteristics",
        "ioSpecification",
        "dataInputAssociation",
        "dataOutputAssociation",
        "messageEventDefinition",
        "timerEventDefinition",
        "signalEventDefinition",
        "errorEventDefinition",
        "escalationEventDefinition",
        "compensateEventDefinition",
        "conditionalEventDefinition",
        "linkEventDefinition",
        "cancelEventDefinition",
    }
)


@dataclass
class CheckedDefinition:
    """The outcome of a check: the text to store, and what is wrong with it (empty when fine)."""

    text: str = ""
    name: str = ""
    errors: list[str] = field(default_factory=list)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _in_bpmn(node: etree._Element) -> bool:
    return isinstance(node.tag, str) and etree.QName(node.tag).namespace == BPMN_NS


def _describe(node: etree._Element) -> str:
    label = f"bpmn:{_local(node.tag)}"
    if node.get("id"):
        label += f' id="{node.get("id")}"'
    if node.get("name"):
        label += f" ({node.get('name')})"
    return label


def _read(raw: str | bytes) -> tuple[str, etree._Element | None, list[str]]:
    """Parse the upload; returns the text to store, the root element and parse errors."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    if len(data) > MAX_BYTES:
        return "", None, [_("The file is larger than %(limit)d bytes.") % {"limit": MAX_BYTES}]
    if not data.strip():
        return "", None, [_("The file is empty.")]
    try:
        root = etree.fromstring(data, engine.xml_parser())
    except etree.XMLSyntaxError as exc:
        return "", None, [_("The file is not well-formed XML: %(error)s") % {"error": exc.msg or str(exc)}]
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return "", None, [_("The file declares a DTD; BPMN files must not.")]
    encoding = (tree.docinfo.encoding or "UTF-8").upper()
    if isinstance(raw, str):
        text = raw
    elif encoding in {"UTF-8", "UTF8"}:
        text = data.decode("utf-8")
    else:
        # Stored as UTF-8 text, re-serialised so the declaration matches.
        text = etree.tostring(tree, encoding="utf-8", xml_declaration=True).decode("utf-8")
    return text, root, []


def _lanes(process: etree._Element) -> dict[str, str]:
    """Flow node id -> the name of the innermost lane holding it."""
    lanes: dict[str, str] = {}
    for ref in process.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS):
        if ref.text:
            lanes[ref.text.strip()] = ref.getparent().get("name") or ""
    return lanes


def _properties(node: etree._Element) -> dict[str, str]:
    return {
        p.get("name") or "": p.get("value") or ""
        for p in node.iterfind("./bpmn:extensionElements/camunda:properties/camunda:property", NS)
    }


def _check_process(process: etree._Element) -> list[str]:
    errors: list[str] = []

    # SpiffWorkflow indexes every id in the process, form fields and values included, so a flow
    # may land on a form value that shares its target's id. Extension ids may repeat among
    # themselves (two steps both ask for "decision"), never with a BPMN element's.
    elements: dict[str, str] = {}
    extensions: dict[str, str] = {}
    for node in process.iter():
        node_id = node.get("id") if isinstance(node.tag, str) else None
        if not node_id:
            continue
        qname = etree.QName(node.tag)
        if qname.namespace == BPMN_NS:
            what, clash, own = f"bpmn:{qname.localname}", elements.get(node_id) or extensions.get(node_id), elements
        else:
            what, clash, own = qname.localname, elements.get(node_id), extensions
        own.setdefault(node_id, what)
        if clash:
            errors.append(
                _('The id "%(id)s" is used twice (%(first)s and %(second)s): ids must be unique, form values included.')
                % {"id": node_id, "first": clash, "second": what}
            )

    for child in process:
        if not _in_bpmn(child):
            continue
        if _local(child.tag) not in SUPPORTED_PROCESS_CHILDREN:
            errors.append(_("%(element)s is not supported by the platform's engine.") % {"element": _describe(child)})
            continue
        for inner in child.iter():
            if _in_bpmn(inner) and _local(inner.tag) in UNSUPPORTED_INNER:
                errors.append(
                    _("%(element)s uses bpmn:%(inner)s, which the platform's engine does not support.")
                    % {"element": _describe(child), "inner": _local(inner.tag)}
                )

    if not process.findall("./bpmn:startEvent", NS):
        errors.append(_('The process "%(id)s" has no start event.') % {"id": process.get("id")})

    lanes = _lanes(process)
    known = ", ".join(sorted(dialect.TASK_ROLES))
    for task in process.iterfind("./bpmn:userTask", NS):
        properties = _properties(task)
        role = dialect.role_of(properties, lanes.get(task.get("id") or ""))
        if role is None:
            errors.append(
                _(
                    '%(element)s has no role: add a camunda property "role" (one of %(known)s) '
                    "or place it in a lane named after one."
                )
                % {"element": _describe(task), "known": known}
            )
        elif role not in dialect.TASK_ROLES:
            errors.append(
                _('%(element)s names the unknown role "%(role)s" (known roles: %(known)s).')
                % {"element": _describe(task), "role": role, "known": known}
            )
        days = properties.get(dialect.DAYS_PROPERTY)
        if days is not None and dialect.parse_days(days) is None:
            errors.append(
                _('%(element)s has days="%(days)s": use a whole number up to %(max)d or a variable name.')
                % {"element": _describe(task), "days": days, "max": dialect.MAX_DAYS}
            )

    for task in process.iterfind("./bpmn:businessRuleTask", NS):
        ref = (task.get(f"{{{CAMUNDA_NS}}}decisionRef") or "").strip()
        if not (engine.is_variable_ref(ref) or _DECISION_KEY.match(ref)):
            errors.append(
                _(
                    "%(element)s needs camunda:decisionRef: the key of a decision table (lower-case letters, "
                    "digits and _) or ${variable} naming one."
                )
                % {"element": _describe(task)}
            )

    for flow in process.iterfind("./bpmn:sequenceFlow", NS):
        condition = flow.find("./bpmn:conditionExpression", NS)
        if condition is None:
            continue
        problem = dialect.check_expression((condition.text or "").strip() or "None")
        if problem:
            errors.append(
                _('The condition on %(element)s, "%(expr)s", is not allowed: %(problem)s.')
                % {"element": _describe(flow), "expr": (condition.text or "").strip(), "problem": problem}
            )
    return errors


def check_definition(raw: str | bytes, process_id: str) -> CheckedDefinition:
    """Check an uploaded BPMN document and the process in it that instances will run."""
    text, root, errors = _read(raw)
    if root is None:
        return CheckedDefinition(errors=errors)
    if root.tag != f"{{{BPMN_NS}}}definitions":
        return CheckedDefinition(
            errors=[
                _("The file is not a BPMN 2.0 document: its root element is %(tag)s, not bpmn:definitions.")
                % {"tag": etree.QName(root.tag).localname if isinstance(root.tag, str) else "?"}
            ]
        )
    schema = engine.schema_errors(root)
    if schema:
        return CheckedDefinition(
            errors=[_("The file does not follow the BPMN 2.0 schema: %(error)s") % {"error": e} for e in schema]
        )

    processes = root.findall("./bpmn:process", NS)
    if not processes:
        return CheckedDefinition(errors=[_("The file contains no process.")])
    process = next((p for p in processes if p.get("id") == process_id), None)
    if process is None:
        found = ", ".join(p.get("id") or "?" for p in processes)
        return CheckedDefinition(
            errors=[
                _('The file has no process with id "%(id)s" (found: %(found)s).') % {"id": process_id, "found": found}
            ]
        )
    if process.get("isExecutable", "true") != "true":
        return CheckedDefinition(
            errors=[
                _('The process "%(id)s" is not executable: tick "Executable" in the modeler (isExecutable="true").')
                % {"id": process_id}
            ]
        )

    errors = _check_process(process)
    if not errors:
        errors = [
            _("The engine cannot run the process: %(error)s") % {"error": e}
            for e in engine.parse_errors(root, process_id)
        ]
    return CheckedDefinition(text=text, name=process.get("name") or "", errors=errors)


# --- Reading a stored definition ---------------------------------------------------------------

STEP_KINDS = {
    "startEvent": "start",
    "userTask": "user_task",
    "task": "milestone",
    "businessRuleTask": "decision",
    "exclusiveGateway": "gateway",
    "parallelGateway": "gateway",
    "inclusiveGateway": "gateway",
    "endEvent": "end",
}


@dataclass(frozen=True)
class Step:
    """A flow node of a process as the console and the diagram's text list show it."""

    id: str
    name: str
    kind: str  # a STEP_KINDS value
    role: str | None = None  # user tasks: as the engine reads it (property, else lane)
    days: str | None = None  # user tasks: the "days" property as written (a number or a variable name)
    fields: tuple[str, ...] = ()  # user tasks: the labels of the form fields the step asks for
    decision_ref: str = ""  # business-rule tasks: the decision table key, or ${variable}

    @property
    def role_label(self) -> str:
        if self.role is None:
            return ""
        if self.role == dialect.APPLICANT:
            return str(_("Applicant"))
        return str(Role(self.role).label) if self.role in Role.values else self.role


def definition_steps(bpmn_xml: str, process_id: str) -> list[Step]:
    """The flow nodes of a stored (checked) process, in the order a case meets them.

    Breadth-first along the sequence flows from the start events, so a reader of the list meets
    the steps as a case does; nodes no flow reaches follow in document order."""
    root = etree.fromstring(bpmn_xml.encode("utf-8"), engine.xml_parser())
    process = next((p for p in root.iterfind("./bpmn:process", NS) if p.get("id") == process_id), None)
    if process is None:
        return []
    lanes = _lanes(process)
    nodes: dict[str, Step] = {}
    for node in process:
        kind = STEP_KINDS.get(_local(node.tag)) if _in_bpmn(node) else None
        node_id = node.get("id")
        if kind is None or not node_id:
            continue
        name = (node.get("name") or "").strip() or node_id
        if kind == "decision":
            ref = node.get(f"{{{CAMUNDA_NS}}}decisionRef") or ""
            nodes[node_id] = Step(id=node_id, name=name, kind=kind, decision_ref=ref)
            continue
        if kind != "user_task":
            nodes[node_id] = Step(id=node_id, name=name, kind=kind)
            continue
        properties = _properties(node)
        nodes[node_id] = Step(
            id=node_id,
            name=name,
            kind=kind,
            role=dialect.role_of(properties, lanes.get(node_id)),
            days=properties.get(dialect.DAYS_PROPERTY),
            fields=tuple(
                f.get("label") or f.get("id") or ""
                for f in node.iterfind("./bpmn:extensionElements/camunda:formData/camunda:formField", NS)
            ),
        )

    following: dict[str, list[str]] = {}
    for flow in process.iterfind("./bpmn:sequenceFlow", NS):
        following.setdefault(flow.get("sourceRef") or "", []).append(flow.get("targetRef") or "")
    ordered: list[str] = []
    seen: set[str] = set()
    queue = [s.id for s in nodes.values() if s.kind == "start"]
    while queue:
        current = queue.pop(0)
        if current in seen or current not in nodes:
            continue
        seen.add(current)
        ordered.append(current)
        queue.extend(following.get(current, []))
    ordered += [node_id for node_id in nodes if node_id not in seen]
    return [nodes[node_id] for node_id in ordered]
