"""The process console (/workflow/): the system administrator's pages for process definitions.

List the versions of each process, look at one in the bpmn-js viewer, upload a new version or
edit one in the modeler (both save a new draft through ``process_definition_upload``), publish a
draft. Every page needs ``Perm.WORKFLOW_DEFINITIONS``; the services check it again.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from dgov.accounts.models import Role
from dgov.accounts.permissions import Perm, requires
from dgov.accounts.requests import AuthedRequest
from dgov.core.errors import ApplicationError
from dgov.workflow import selectors, services
from dgov.workflow.dialect import APPLICANT, TASK_ROLES
from dgov.workflow.forms import DefinitionEditForm, DefinitionUploadForm
from dgov.workflow.models import ProcessDefinition


def _refused(form: forms.Form, exc: ApplicationError, *, xml_field: str) -> None:
    """Put the service's refusal on the form: each BPMN problem on the file (or XML) field."""
    field_map = {"bpmn_xml": xml_field, "key": "key"}
    placed = False
    for name, errors in exc.field_errors.items():
        target = field_map.get(name)
        if target not in form.fields:
            continue
        for error in errors:
            form.add_error(target, error)
        placed = True
    if placed:
        form.add_error(None, _("Nothing was saved. Fix the problems listed below and try again."))
    else:
        form.add_error(None, exc.message)


def _saved(request: AuthedRequest, definition: ProcessDefinition) -> HttpResponse:
    messages.success(
        request,
        _("Version %(version)d of %(key)s is saved as a draft. Check it, then publish it.")
        % {"version": definition.version, "key": definition.key},
    )
    return redirect("workflow:detail", key=definition.key, version=definition.version)


@requires(Perm.WORKFLOW_DEFINITIONS)
def definition_list(request: AuthedRequest) -> HttpResponse:
    return render(request, "workflow/list.html", {"groups": selectors.process_definition_groups()})


@requires(Perm.WORKFLOW_DEFINITIONS)
def definition_detail(request: AuthedRequest, key: str, version: int) -> HttpResponse:
    definition = selectors.process_definition_get(key=key, version=version)
    steps = selectors.process_definition_steps(definition=definition)
    return render(
        request,
        "workflow/detail.html",
        {
            "definition": definition,
            "versions": selectors.process_definition_versions(key=key),
            "steps": steps,
            "user_tasks": [s for s in steps if s.kind == "user_task"],
        },
    )


@requires(Perm.WORKFLOW_DEFINITIONS)
def definition_xml(request: AuthedRequest, key: str, version: int) -> HttpResponse:
    """The stored BPMN XML, for the viewer and the modeler (and, with ?download=1, as a file)."""
    definition = selectors.process_definition_get(key=key, version=version)
    response = HttpResponse(definition.bpmn_xml, content_type="application/xml; charset=utf-8")
    disposition = "attachment" if request.GET.get("download") == "1" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{definition.key}-v{definition.version}.bpmn"'
    # Uploaded text: opened directly, an xml-stylesheet instruction could turn it into a page of ours.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    patch_cache_control(response, private=True, no_cache=True)
    return response


@requires(Perm.WORKFLOW_DEFINITIONS)
def definition_new(request: AuthedRequest) -> HttpResponse:
    """Upload the first version of a new process key."""
    form = DefinitionUploadForm(request.POST or None, request.FILES or None, new_key=True)
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data["key"]
        if selectors.process_definition_versions(key=key):
            form.add_error("key", _("This key exists already: upload the file as a new version of it."))
        else:
            try:
                definition = services.process_definition_upload(
                    actor=request.user,
                    key=key,
                    name=form.cleaned_data["name"],
                    bpmn_xml=form.cleaned_data["file"],
                    process_id=form.cleaned_data["process_id"] or None,
                )
            except ApplicationError as exc:
                _refused(form, exc, xml_field="file")
            else:
                return _saved(request, definition)
    return render(request, "workflow/upload.html", {"form": form, "base": None})


@requires(Perm.WORKFLOW_DEFINITIONS)
def definition_upload(request: AuthedRequest, key: str) -> HttpResponse:
    """Upload a file as the next version of an existing key (same process id as the newest version)."""
    base = selectors.process_definition_latest(key=key)
    form = DefinitionUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            definition = services.process_definition_upload(
                actor=request.user,
                key=base.key,
                name=form.cleaned_data["name"],
                bpmn_xml=form.cleaned_data["file"],
                process_id=base.process_id,
            )
        except ApplicationError as exc:
            _refused(form, exc, xml_field="file")
        else:
            return _saved(request, definition)
    return render(request, "workflow/upload.html", {"form": form, "base": base})


def _task_roles() -> list[dict[str, str]]:
    labels = {str(value): str(label) for value, label in Role.choices}
    labels[APPLICANT] = _("Applicant")
    return [{"value": role, "label": labels.get(role, role)} for role in sorted(TASK_ROLES)]


@requires(Perm.WORKFLOW_DEFINITIONS)
def definition_edit(request: AuthedRequest, key: str, version: int) -> HttpResponse:
    """The modeler on a version's XML; saving stores the edited XML as the key's next draft."""
    definition = selectors.process_definition_get(key=key, version=version)
    form = DefinitionEditForm(request.POST or None, initial={"bpmn_xml": definition.bpmn_xml})
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.process_definition_upload(
                actor=request.user,
                key=definition.key,
                name="",
                bpmn_xml=form.cleaned_data["bpmn_xml"],
                process_id=definition.process_id,
            )
        except ApplicationError as exc:
            _refused(form, exc, xml_field="bpmn_xml")
        else:
            return _saved(request, saved)
    context: dict[str, Any] = {
        "definition": definition,
        "form": form,
        "modeler_config": {"roles": _task_roles(), "processId": definition.process_id},
    }
    return render(request, "workflow/edit.html", context)


@requires(Perm.WORKFLOW_DEFINITIONS)
def definition_publish(request: AuthedRequest, key: str, version: int) -> HttpResponse:
    """GET: what publishing this version changes; POST: publish it."""
    definition = selectors.process_definition_get(key=key, version=version)
    if request.method == "POST":
        try:
            services.process_definition_publish(actor=request.user, definition=definition)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Version %(version)d of %(key)s is published: new cases start on it.")
                % {"version": definition.version, "key": definition.key},
            )
        return redirect("workflow:detail", key=definition.key, version=definition.version)
    return render(
        request,
        "workflow/publish.html",
        {"definition": definition, "current": selectors.process_definition_get_published(key=key)},
    )
