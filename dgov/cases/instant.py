"""Instant approval (秒批) and credit checks (应查必查) around a case's submission.

An item with a decision table (``ServiceItem.decision_key``) runs a process whose business-rule
task evaluates the table (see dgov.workflow.decisions). What the table may read is given to it
at start as *facts*, never stored in the engine state:

- ``form``: the application form as submitted (cleaned);
- ``applicant``: registry facts of the applicant (人口库 for a person, 法人库 for an enterprise),
  only the ones the table reads, each read logged for the person it concerns (谁用了我的数据);
- ``people.<role>``: registry facts of another person the form names by an ID-number field
  ``<role>_id_number`` (``spouse_id_number`` -> ``people.spouse``), read and logged the same way;
- ``licences.<type code>``: ``{"status": …, "identifier": …}`` of the wallet licences presented;
- ``credit``: ``{"black": bool, "red": bool, "measures": [...]}`` when the item checks credit.

A table reads these by path (``applicant.age``, ``form.scope_category``). The process's gateway
also reads ``credit_black`` from the data: a black entry sends even an approving decision to a
person, with the reason on the case. After the start, :func:`apply_outcome` turns what the rules
decided into the case's status, timeline and notices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import User
from dgov.catalog.models import ItemMaterial, ServiceItem
from dgov.workflow.decisions import Facts, decision_in_force, table_of
from dgov.workflow.models import DecisionRecord, ProcessInstance

ID_FIELD_SUFFIX = "_id_number"

# A timeline line the platform writes: kind, public, note, actor label.
Line = tuple[str, bool, str, str]


def _registry_fields(paths: Iterable[str]) -> dict[str, set[str]]:
    """Which registry fields each subject's facts need: {"applicant": {"age"}, "people.spouse": {...}}."""
    wanted: dict[str, set[str]] = {}
    for path in paths:
        parts = path.split(".")
        if parts[0] == "applicant" and len(parts) >= 2:
            wanted.setdefault("applicant", set()).add(parts[1])
        elif parts[0] == "people" and len(parts) >= 3:
            wanted.setdefault(f"people.{parts[1]}", set()).add(parts[2])
    return wanted


def _applicant_key(applicant: User) -> tuple[str, str]:
    if applicant.kind == User.Kind.ENTERPRISE and applicant.enterprise_credit_code:
        return "enterprise", applicant.enterprise_credit_code
    return "person", applicant.id_number or ""


def decision_facts(
    *,
    item: ServiceItem,
    applicant: User,
    form: Mapping[str, Any],
    presented: Iterable[tuple[ItemMaterial, Any]],
    case_number: str,
    actor: User,
    credit: Mapping[str, Any] | None,
) -> tuple[Facts, dict[str, list[str]]]:
    """The facts the item's decision table may read (see the module docstring), and the registry
    fields read by subject. Each read is logged for its subject (RegistryRead); the submission's
    audit record lists them. The facts name the table version they were read for, which the
    business-rule task then evaluates (dgov.workflow.decisions.Facts)."""
    from dgov.registries.selectors import FIELD_LABELS
    from dgov.registries.services import registry_read

    definition = decision_in_force(key=item.decision_key, at=timezone.now()) if item.decision_key else None
    facts = Facts({"form": dict(form)}, tables={item.decision_key: definition} if item.decision_key else None)
    # Which registry fields were read, by subject: the submission's audit record lists them.
    reads: dict[str, list[str]] = {}
    paths = [i.expression for i in table_of(definition).inputs] if definition else []
    purpose = _("Instant approval of %(item)s") % {"item": item.name}
    for subject, fields in _registry_fields(paths).items():
        if subject == "applicant":
            kind, key = _applicant_key(applicant)
        else:
            kind, key = "person", str(form.get(subject.split(".", 1)[1] + ID_FIELD_SUFFIX) or "")
        # A name the registry does not have (a typo in a table) is no value: the table reports the
        # input missing and a person decides, instead of every submission being refused.
        fields = {f for f in fields if f"{kind}.{f}" in FIELD_LABELS}
        values = (
            registry_read(
                subject_kind=kind,
                key=key,
                fields=sorted(fields),
                purpose=purpose[:200],
                case_number=case_number,
                actor=actor,
                audit=False,
            )
            if key and fields
            else None
        )
        if values:
            reads[subject] = sorted(fields)
        # Not in the registry: the table sees no values (missing input) and a person decides.
        target = facts.setdefault("people", {}) if subject != "applicant" else facts
        target[subject.split(".")[-1]] = {k: v for k, v in (values or {}).items() if k in fields}
    facts["licences"] = {
        material.source_ref: {"status": getattr(licence, "status", ""), "identifier": licence.identifier}
        for material, licence in presented
    }
    if credit is not None:
        facts["credit"] = dict(credit)
    return facts, reads


# --- Credit -----------------------------------------------------------------------------------


def credit_check_for(
    *, item: ServiceItem, applicant: User, case_number: str, actor: User | None
) -> dict[str, Any] | None:
    """Check the applicant against the credit list and record the check with the case (应查必查)."""
    if not item.credit_check:
        return None
    from dgov.credit.services import credit_check

    kind, key = _applicant_key(applicant)
    if not key:
        return None
    # Recorded with the case (CreditCheck); the submission's audit record names the check.
    result = credit_check(
        subject_kind=kind, key=key, item_code=item.code, case_number=case_number, actor=actor, audit=False
    )
    return {
        "black": bool(result.black),
        "red": bool(result.red),
        "measures": sorted(result.measures),
        "reason": result.reason,
        "check": result.check_id,
    }


def red_measures(*, item: ServiceItem, applicant: User) -> set[str]:
    """The incentives a red entry in force grants the applicant for this item (read only, no record)."""
    if not item.credit_check:
        return set()
    from dgov.credit.selectors import entries_in_force

    kind, key = _applicant_key(applicant)
    if not key:
        return set()
    measures: set[str] = set()
    for entry in entries_in_force(kind, key):
        if entry.list_kind == "red":
            measures |= set(entry.measures)
    return measures


# --- After the start --------------------------------------------------------------------------


def rules_decision(instance: ProcessInstance) -> DecisionRecord | None:
    """The instance's last decision (the ones its start just recorded, when it was started here)."""
    if instance.started_decisions is not None:
        return max(instance.started_decisions, key=lambda d: (d.decided_at, d.pk), default=None)
    return instance.decisions.order_by("-decided_at", "-id").first()


def approved_by_rules(instance: ProcessInstance, decision: DecisionRecord | None) -> bool:
    """Whether the process ran to its end on the rules' approval (``decision``: its last one)."""
    return (
        instance.status == ProcessInstance.Status.COMPLETED
        and decision is not None
        and decision.decided
        and decision.outputs.get("decision") == "approve"
    )


def conclude_if_approved(case: Any, instance: ProcessInstance) -> list[str]:
    """Set (not save) the concluded, approved state of a case whose rules approved it at its start;
    the fields to save, none when the rules did not approve. The submission saves them with the
    case's number and status in one UPDATE; :func:`apply_outcome` then does the rest."""
    from dgov.cases.models import Case

    if not approved_by_rules(instance, rules_decision(instance)):
        return []
    now = timezone.now()
    case.status = Case.Status.CONCLUDED
    case.result = Case.Result.APPROVED
    case.accepted_at = now
    case.ended_at = now
    case.updated_at = now
    return ["status", "result", "accepted_at", "ended_at", "updated_at"]


def apply_outcome(
    *, case: Any, instance: ProcessInstance, credit: Mapping[str, Any] | None, owed: bool = False
) -> str | None:
    """Turn what the rules decided at submission into the case's timeline, licence and notices
    (its concluded state was set by :func:`conclude_if_approved` and saved by the submission).

    An approval issues the case's e-licence in the same transaction and tells the applicant
    (returns None: nothing more to say). Otherwise returns the sentence the receipt notice adds
    (why a person will handle it; empty when the rules did not run)."""
    from dgov.cases import services as cases

    Case, CaseEvent = cases.Case, cases.CaseEvent
    decision = rules_decision(instance)
    # The check itself (entries, measures, sources) is kept by dgov.credit and shown to staff.
    checked: list[Line] = [(CaseEvent.Kind.CREDIT_CHECKED, False, "", "")] if credit is not None else []
    if decision is None:
        _platform_events(case, checked)
        return ""
    if approved_by_rules(instance, decision):
        if case.status != Case.Status.CONCLUDED:
            case.save(update_fields=conclude_if_approved(case, instance))
        lines: list[Line] = [
            *checked,
            (CaseEvent.Kind.RULES_APPROVED, True, "", ""),
            (CaseEvent.Kind.CONCLUDED, True, "", ""),
        ]
        licence = None
        if case.item.output_licence_type:
            licence, line = cases.issue_licence_now(case)
            lines.append(line)
        _platform_events(case, lines)
        if licence is not None:
            result = _("%(type)s was issued and is in your licence wallet.") % {"type": licence.type.name}
        elif case.item.output_licence_type:
            result = _("Your e-licence will follow; you will be told.")
        else:
            result = ""
        cases._notify(
            case,
            _("Case %(number)s approved") % {"number": case.number},
            _("Your application for %(item)s (case %(number)s) was approved by the published rules in seconds.")
            % {"item": case.item.name, "number": case.number}
            + (" " + result if result else ""),
            invite_rating=True,
            fresh=True,
        )
        return None
    _platform_events(case, [*checked, (CaseEvent.Kind.RULES_REFERRED, True, "", "")])
    return _("The rules could not approve it at once (%(why)s); a member of staff will handle it.") % {
        "why": referral_reason(decision, black=bool(credit and credit.get("black")), owed=owed)
    }


def _platform_events(case: Any, lines: Sequence[Line]) -> None:
    """Timeline lines the platform writes itself (no actor), in one INSERT: the rows
    dgov.cases.services._event writes for them, in the same order, each announced the same way."""
    from dgov.cases import services as cases

    if not lines:
        return
    cases.CaseEvent.objects.bulk_create(
        [
            cases.CaseEvent(
                case=case, kind=kind, actor=None, actor_label=label, note=note, public=public, at=timezone.now()
            )
            for kind, public, note, label in lines
        ]
    )
    for kind, *_rest in lines:
        cases._announce_later(case, kind)


def referral_reason(decision: DecisionRecord, *, black: bool = False, owed: bool = False) -> str:
    """Why the rules did not approve at once, in the reader's language (also on the case page)."""
    if decision.decided and decision.outputs.get("decision") == "approve":
        if black:
            return _("a credit-list entry requires a manual review")
        if owed:
            return _("materials are still to follow")
        return _("the rules approve; a person confirms")
    if decision.status == DecisionRecord.Status.MISSING_INPUT:
        return _("data missing: %(fields)s") % {"fields": "、".join(decision.detail)}
    if decision.status == DecisionRecord.Status.CONFLICT:
        return _("several rules apply (%(rules)s)") % {"rules": ", ".join(str(n) for n in decision.matched)}
    if decision.status == DecisionRecord.Status.NO_MATCH:
        return _("no rule applies")
    if decision.status == DecisionRecord.Status.NO_TABLE:
        return _("no decision table is in force")
    if decision.status == DecisionRecord.Status.ERROR:
        return _("a value is of the wrong kind")
    descriptions = rule_descriptions(decision)
    return "；".join(descriptions) or _("the rules refer it to a person")


def rule_descriptions(decision: DecisionRecord) -> list[str]:
    """The matched rules in words (the table's annotation column), the grounds an applicant reads."""
    if decision.definition is None:
        return []
    table = table_of(decision.definition)
    by_number = {r.number: r for r in table.rules}
    return [by_number[n].description for n in decision.matched if n in by_number and by_number[n].description]


def input_labels(decision: DecisionRecord) -> list[tuple[str, Any]]:
    """(label, value) of the inputs the decision used, in the table's column order."""
    if decision.definition is None:
        return []
    table = table_of(decision.definition)
    values = decision.inputs
    return [(i.label, values.get(i.expression)) for i in table.inputs]
