"""Putting a service's refusal on the form that asked for it."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms

from dgov.core.errors import ApplicationError


def place_errors(form: forms.Form, exc: ApplicationError, aliases: Mapping[str, str] | None = None) -> None:
    """Each field error on its field (service names mapped through ``aliases``), the rest on top;
    the refusal's message on top when no field was named."""
    placed = False
    for name, errors in exc.field_errors.items():
        target = (aliases or {}).get(name, name)
        for error in errors:
            if target in form.fields:
                form.add_error(target, error)
                placed = True
            else:
                form.add_error(None, error)
    if not placed:
        form.add_error(None, exc.message)
