"""Forms of the cases pages (the application form itself is rendered from the item's schema)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dgov.accounts.models import User
from dgov.cases import services
from dgov.cases.models import Case
from dgov.core.validation import normalise_credit_code, normalise_id_number, normalise_phone
from dgov.workflow.models import Task

# Labels of the decision values case processes use (see dgov.cases.services).
DECISION_LABELS = {
    services.ACCEPT: _("Accept"),
    services.REFUSE: _("Refuse (give the reason)"),
    services.CORRECT: _("Ask for corrections (choose the materials, say why)"),
    services.APPROVE: _("Approve"),
    services.REJECT: _("Reject (give the reason)"),
}


class DecisionForm(forms.Form):
    """A staff step: the decision the step offers, an opinion, and for corrections the materials."""

    def __init__(self, *args: Any, task: Task, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = {f["id"]: f for f in task.form}
        decision = fields.get("decision")
        if decision is not None:
            self.fields["decision"] = forms.ChoiceField(
                label=_("Decision"),
                choices=[(o, DECISION_LABELS.get(o, o)) for o in decision["options"]],
                widget=forms.RadioSelect,
                required=True,
            )
        self.fields["opinion"] = forms.CharField(
            label=_("Opinion"),
            required=False,
            max_length=services.MAX_REASON,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Required when refusing, rejecting or asking for corrections; the applicant reads it."),
        )
        if decision is not None and services.CORRECT in decision["options"]:
            self.fields["materials"] = forms.TypedMultipleChoiceField(
                label=_("Materials to correct"),
                coerce=int,
                required=False,
                choices=[
                    (m.pk, m.name)
                    for m in case.item.materials.all()
                    if m.source == m.Source.APPLICANT and not services.material_is_online_form(m)
                ],
                widget=forms.CheckboxSelectMultiple,
            )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=pgettext_lazy("application", "Reason for withdrawing"), max_length=services.MAX_REASON
    )


class LookupForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=40)
    code = forms.CharField(label=_("Verification code"), max_length=10, help_text=_("Six digits, on your receipt."))


class QueueFilterForm(forms.Form):
    item = forms.CharField(label=_("Item code"), required=False, max_length=64)
    number = forms.CharField(label=_("Case number"), required=False, max_length=40)
    status = forms.ChoiceField(
        label=_("Case status"),
        required=False,
        choices=[("", _("Any"))] + [c for c in Case.Status.choices if c[0] != "draft"],
    )
    due = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[("", _("Any")), ("overdue", _("Overdue")), ("due_soon", _("Due by the next working day"))],
    )


class WindowApplicantForm(forms.Form):
    """Who is at the counter: found by ID number or credit code, registered if new."""

    kind = forms.ChoiceField(
        label=_("Applicant"),
        choices=[(User.Kind.CITIZEN, _("Individual")), (User.Kind.ENTERPRISE, _("Enterprise or organisation"))],
        widget=forms.RadioSelect,
        initial=User.Kind.CITIZEN,
    )
    id_number = forms.CharField(label=_("ID number (individuals)"), required=False, max_length=18)
    credit_code = forms.CharField(label=_("Unified social credit code (enterprises)"), required=False, max_length=18)
    real_name = forms.CharField(
        label=_("Name (of the individual, or the enterprise's agent)"), required=False, max_length=64
    )
    enterprise_name = forms.CharField(label=_("Enterprise name"), required=False, max_length=100)
    phone = forms.CharField(label=_("Mobile phone"), required=False, max_length=20)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        try:
            if kind == User.Kind.CITIZEN:
                data["id_number"] = normalise_id_number(data.get("id_number") or "")
            else:
                data["credit_code"] = normalise_credit_code(data.get("credit_code") or "")
        except ValueError as exc:
            self.add_error("id_number" if kind == User.Kind.CITIZEN else "credit_code", str(exc))
        if data.get("phone"):
            try:
                data["phone"] = normalise_phone(data["phone"])
            except ValueError as exc:
                self.add_error("phone", str(exc))
        return data
