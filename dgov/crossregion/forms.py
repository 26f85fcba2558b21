"""Forms of the cross-region pages (the item's own form is rendered from its schema)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dgov.crossregion.models import Handover


class HandoverApplicantForm(forms.Form):
    """The individual at the counter; fields are prefixed ``applicant-`` so they never clash with
    the item's own form (which often has its own ``phone`` or ``id_number``)."""

    prefix = "applicant"

    name = forms.CharField(label=_("Name"), max_length=64)
    id_number = forms.CharField(label=_("ID number"), max_length=18)
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=20, help_text=_("Progress notices are sent to this number.")
    )


class FilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("Any")), *Handover.State.choices])
    number = forms.CharField(label=_("Receipt or case number"), required=False, max_length=40)


class LookupForm(forms.Form):
    number = forms.CharField(label=_("Receipt number"), max_length=40)
    code = forms.CharField(label=_("Verification code"), max_length=10, help_text=_("Six digits, on your receipt."))
