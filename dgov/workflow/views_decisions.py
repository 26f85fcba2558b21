"""The decision-table console (/workflow/decisions/): decision tables for instant approval (秒批).

System administrators (``Perm.WORKFLOW_DEFINITIONS``) list the tables, read a version as an HTML
table (and in the vendored dmn-js viewer), upload a DMN file or edit a version in the dmn-js modeler
(both store a new draft through ``decision_definition_upload``: a changed table is a new version and
applies to new cases only) and publish a draft. Audit administrators (``Perm.AUDIT_VIEW``) and the
system administrators read the decision records and replay one: the recorded table version is
evaluated again on the recorded inputs. Reading a record (its inputs are personal data) and
replaying it are written to the audit trail.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dgov.accounts.permissions import Perm, has_perm, require, requires
from dgov.accounts.requests import AuthedRequest
from dgov.audit import record
from dgov.core.errors import ApplicationError
from dgov.workflow import decisions, dmn, selectors
from dgov.workflow.models import DecisionDefinition, DecisionRecord

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
EXTENSIONS = (".dmn", ".xml")
RECORDS_PER_PAGE = 50

# --- Forms ------------------------------------------------------------------------------------
# They check only what the browser sent; whether the table is one the platform runs is decided by
# decision_definition_upload, whose refusals the views copy onto the form.


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise forms.ValidationError(
            gettext_lazy("The file is not UTF-8 text (byte %(position)d). Save it as UTF-8 and upload it again."),
            code="encoding",
            params={"position": exc.start},
        ) from exc


class DecisionUploadForm(forms.Form):
    """A DMN file, or its XML pasted, as the next draft version of the decision it holds."""

    key = forms.RegexField(
        label=gettext_lazy("Key"),
        regex=KEY_PATTERN,
        max_length=64,
        required=False,
        help_text=gettext_lazy(
            "The decision id in the file, e.g. gaoling_jintie. Leave empty to take it from the file; "
            "if given, the file must use it."
        ),
        error_messages={"invalid": gettext_lazy("Use 1-64 lowercase letters, digits and _, starting with a letter.")},
    )
    file = forms.FileField(
        label=gettext_lazy("DMN file"),
        required=False,
        help_text=gettext_lazy("A .dmn or .xml file in UTF-8, at most 500 kB, holding one decision table."),
        widget=forms.ClearableFileInput(attrs={"accept": ".dmn,.xml,application/xml,text/xml"}),
    )
    dmn_xml = forms.CharField(
        label=gettext_lazy("Or paste the DMN XML"),
        required=False,
        strip=False,
        max_length=dmn.MAX_BYTES,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "class": "bpmn-source"}),
    )

    def clean_file(self) -> str | None:
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        if Path(upload.name or "").suffix.lower() not in EXTENSIONS:
            raise forms.ValidationError(_("Upload a .dmn or .xml file."), code="extension")
        data: bytes = upload.read(dmn.MAX_BYTES + 1)
        if len(data) > dmn.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 500 kB."), code="size")
        return _utf8(data)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        has_file, has_text = bool(cleaned.get("file")), bool((cleaned.get("dmn_xml") or "").strip())
        if "file" in self.errors:
            return cleaned
        if has_file and has_text:
            raise forms.ValidationError(_("Choose a file or paste the XML, not both."), code="both")
        if not has_file and not has_text:
            raise forms.ValidationError(_("Choose a DMN file or paste its XML."), code="empty")
        return cleaned

    @property
    def source_field(self) -> str:
        """The field the table came from, which the service's refusal is shown on."""
        return "file" if self.cleaned_data.get("file") else "dmn_xml"

    @property
    def source(self) -> str:
        return str(self.cleaned_data.get("file") or self.cleaned_data["dmn_xml"])


class DecisionEditForm(forms.Form):
    """The XML the modeler (or a person editing the source) sends back, stored as a new draft."""

    dmn_xml = forms.CharField(
        label=gettext_lazy("DMN XML"),
        max_length=dmn.MAX_BYTES,
        strip=False,
        help_text=gettext_lazy(
            "The table editor keeps this text up to date. If you cannot use the editor, edit the XML here instead."
        ),
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false", "class": "bpmn-source"}),
    )


class RecordFilterForm(forms.Form):
    """The records page's filters; a value that is not offered is an error and filters nothing."""

    key = forms.ChoiceField(label=gettext_lazy("Decision table"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)

    def __init__(self, *args: Any, keys: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        key_field = self.fields["key"]
        status_field = self.fields["status"]
        assert isinstance(key_field, forms.ChoiceField) and isinstance(status_field, forms.ChoiceField)
        key_field.choices = everything + [(k, k) for k in keys]
        status_field.choices = everything + list(DecisionRecord.Status.choices)


# --- Showing a table --------------------------------------------------------------------------


def feel(value: Any) -> str:
    """A value as a FEEL literal, the way the table's cells write it (None: an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return f'date("{value.isoformat()}")'
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def shown(value: Any) -> str:
    """A recorded (JSON) value as text: text as it is, anything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class Cell:
    text: str

    @property
    def any(self) -> bool:
        return self.text in ("", "-")


@dataclass(frozen=True)
class RuleRow:
    number: int
    description: str
    cells: list[Cell]
    outputs: list[str]


def _rule_rows(table: dmn.Table) -> list[RuleRow]:
    return [
        RuleRow(r.number, r.description, [Cell(c.text) for c in r.entries], [feel(v) for v in r.outputs])
        for r in table.rules
    ]


def hit_policy_help(table: dmn.Table) -> str:
    texts = {
        "UNIQUE": _("Only one rule may match a case; when two match, the rules do not decide."),
        "FIRST": _("The first matching rule, in table order, decides."),
        "ANY": _("Several rules may match if they give the same outputs; otherwise the rules do not decide."),
        "PRIORITY": _("Of the matching rules, the one whose outputs come first in the listed values decides."),
        "RULE ORDER": _("The outputs of every matching rule, in table order."),
        "COLLECT": _("The outputs of every matching rule."),
    }
    text = texts.get(table.hit_policy, "")
    if table.aggregation:
        text = _("The outputs of every matching rule, combined by %(aggregation)s.") % {
            "aggregation": table.aggregation
        }
    return text


def _table_or_problem(definition: DecisionDefinition) -> tuple[dmn.Table | None, str]:
    try:
        return decisions.table_of(definition), ""
    except dmn.DmnError as exc:
        # Stored versions were checked on upload; a later, stricter reader may still refuse one.
        return None, _("The stored table cannot be read: %(error)s") % {"error": exc}


# --- Tables (system administrators) ----------------------------------------------------------


def _refused(form: forms.Form, exc: ApplicationError, *, field: str) -> None:
    """Put the service's refusal on the form: each problem with the table on the XML's field."""
    problems = exc.field_errors.get("dmn_xml") or []
    for problem in problems:
        form.add_error(field, problem)
    if problems:
        form.add_error(None, _("Nothing was saved. Fix the problems listed below and try again."))
    else:
        form.add_error(None, exc.message)


def _saved(request: AuthedRequest, definition: DecisionDefinition) -> HttpResponse:
    messages.success(
        request,
        _("Version %(version)d of %(key)s is saved as a draft. Check it, then publish it.")
        % {"version": definition.version, "key": definition.key},
    )
    return redirect("workflow:decision_detail", key=definition.key, version=definition.version)


@requires(Perm.WORKFLOW_DEFINITIONS)
def decision_list(request: AuthedRequest) -> HttpResponse:
    return render(request, "workflow/decision_list.html", {"groups": selectors.decision_definition_groups()})


@requires(Perm.WORKFLOW_DEFINITIONS)
def decision_detail(request: AuthedRequest, key: str, version: int) -> HttpResponse:
    definition = selectors.decision_definition_get(key=key, version=version)
    table, problem = _table_or_problem(definition)
    context: dict[str, Any] = {
        "definition": definition,
        "table": table,
        "problem": problem,
        "rules": _rule_rows(table) if table else [],
        "hit_policy_help": hit_policy_help(table) if table else "",
        "versions": selectors.decision_definition_versions(key=key),
        "current": selectors.decision_definition_get_published(key=key),
    }
    return render(request, "workflow/decision_detail.html", context)


@requires(Perm.WORKFLOW_DEFINITIONS)
def decision_xml(request: AuthedRequest, key: str, version: int) -> HttpResponse:
    """The stored DMN XML, for the viewer and the modeler (and, with ?download=1, as a file)."""
    definition = selectors.decision_definition_get(key=key, version=version)
    response = HttpResponse(definition.dmn_xml, content_type="application/xml; charset=utf-8")
    disposition = "attachment" if request.GET.get("download") == "1" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{definition.key}-v{definition.version}.dmn"'
    # Uploaded text: opened directly, an xml-stylesheet instruction could turn it into a page of ours.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    patch_cache_control(response, private=True, no_cache=True)
    return response


@requires(Perm.WORKFLOW_DEFINITIONS)
def decision_upload(request: AuthedRequest) -> HttpResponse:
    """Upload a DMN file (or paste its XML): the next draft version of its decision, or version 1."""
    initial = {"key": request.GET.get("key", "")[:64]}
    form = DecisionUploadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            definition = decisions.decision_definition_upload(
                actor=request.user, dmn_xml=form.source, key=form.cleaned_data["key"] or None
            )
        except ApplicationError as exc:
            _refused(form, exc, field=form.source_field)
        else:
            return _saved(request, definition)
    return render(request, "workflow/decision_upload.html", {"form": form})


@requires(Perm.WORKFLOW_DEFINITIONS)
def decision_edit(request: AuthedRequest, key: str, version: int) -> HttpResponse:
    """The dmn-js modeler on a version's XML; saving stores the edited XML as the key's next draft."""
    definition = selectors.decision_definition_get(key=key, version=version)
    form = DecisionEditForm(request.POST or None, initial={"dmn_xml": definition.dmn_xml})
    if request.method == "POST" and form.is_valid():
        try:
            saved = decisions.decision_definition_upload(
                actor=request.user, dmn_xml=form.cleaned_data["dmn_xml"], key=definition.key
            )
        except ApplicationError as exc:
            _refused(form, exc, field="dmn_xml")
        else:
            return _saved(request, saved)
    return render(request, "workflow/decision_edit.html", {"definition": definition, "form": form})


@require_POST
@requires(Perm.WORKFLOW_DEFINITIONS)
def decision_publish(request: AuthedRequest, key: str, version: int) -> HttpResponse:
    """Publish a draft: new cases use it; the version published until now is retired."""
    definition = selectors.decision_definition_get(key=key, version=version)
    try:
        decisions.decision_definition_publish(actor=request.user, definition=definition)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Version %(version)d of %(key)s is published: new cases are decided on it.")
            % {"version": definition.version, "key": definition.key},
        )
    return redirect("workflow:decision_detail", key=definition.key, version=definition.version)


# --- Decision records (audit administrators, system administrators) ------------------------


def records_reader(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """View decorator: sign-in required, then the right to read decision records (a denial is
    recorded in the audit trail as for ``requires``)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not selectors.decision_records_readable(request.user):
            require(request, Perm.AUDIT_VIEW)  # records access.denied and raises PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@records_reader
def decision_records(request: AuthedRequest) -> HttpResponse:
    form = RecordFilterForm(request.GET or None, keys=selectors.decision_record_keys())
    filters = form.cleaned_data if form.is_valid() else {}
    records = selectors.decision_records_for_auditor(
        user=request.user, key=filters.get("key") or None, status=filters.get("status") or None
    )
    page = Paginator(records, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "workflow/decision_records.html", {"form": form, "page": page})


@dataclass(frozen=True)
class Outcome:
    """What a decision came to, recorded or replayed, as the record page shows it."""

    status: str
    status_label: str
    matched: list[int]
    outputs: list[tuple[str, str]]


def _outcome(status: str, matched: list[int], outputs: dict[str, Any]) -> Outcome:
    label = DecisionRecord.Status(status).label if status in DecisionRecord.Status.values else status
    # By name: the database may keep JSON keys in another order than the table lists its outputs.
    return Outcome(status, str(label), list(matched), [(name, shown(outputs[name])) for name in sorted(outputs)])


@records_reader
def decision_record(request: AuthedRequest, pk: int) -> HttpResponse:
    """One decision with its inputs and the rules that matched; POST: replay it."""
    decision = selectors.decision_record_get_for_auditor(user=request.user, pk=pk)
    table = None
    if decision.definition is not None:
        table, _problem = _table_or_problem(decision.definition)
    replay = replayed = None
    if request.method == "POST":
        try:
            replay = decisions.decision_replay(decision=decision)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            ev = replay.evaluation
            replayed = _outcome(ev.status, ev.matched, ev.outputs)
        record(
            actor=request.user,
            action="workflow.decision_replay",
            target=decision,
            detail={"key": decision.key, "same": replay.same if replay else None},
            request=request,
        )
    else:
        # The inputs are personal data: reading them is recorded.
        record(actor=request.user, action="workflow.decision_read", target=decision, request=request)
    labels = {i.expression: i.label for i in table.inputs} if table else {}
    rules = {r.number: r for r in table.rules} if table else {}
    context: dict[str, Any] = {
        "decision": decision,
        "inputs": [(labels.get(path, ""), path, shown(v)) for path, v in decision.inputs.items()],
        "matched": [(n, rules[n].description if n in rules else "") for n in decision.matched],
        "recorded": _outcome(decision.status, decision.matched, decision.outputs),
        "replay": replay,
        "replayed": replayed,
        "can_manage": has_perm(request.user, Perm.WORKFLOW_DEFINITIONS),
    }
    return render(request, "workflow/decision_record.html", context)
