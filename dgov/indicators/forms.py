"""Forms of the indicator console: they parse; the services decide what is right."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dgov.accounts.models import Region
from dgov.cases.uploads import ACCEPT_ATTRIBUTE
from dgov.catalog.services import KIOSK_REGION_LEVELS


class ReportedValueForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    value = forms.CharField(label=_("Value"), max_length=32, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    numerator = forms.CharField(
        label=_("Numerator"),
        max_length=32,
        required=False,
        help_text=_("For a share: the count above the line (optional)."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    denominator = forms.CharField(
        label=_("Denominator"),
        max_length=32,
        required=False,
        help_text=_("For a share: the count below the line (optional)."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        help_text=_("Who gave the figure and in which document, e.g. the city bureau's monthly report."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(
        label=_("Evidence"),
        help_text=_("The document the figure comes from: PDF, JPEG, PNG or OFD."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )


class TargetsForm(forms.Form):
    baseline = forms.CharField(label=_("2020 baseline"), max_length=32, required=False)
    midterm = forms.CharField(label=_("2023 mid-term target"), max_length=32, required=False)
    target = forms.CharField(label=_("2025 target"), max_length=32)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("The notice or decision that changes the target."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SnapshotForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))


class KioskForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32, help_text=_("Letters, digits, hyphens, e.g. jh-wh-02."))
    name = forms.CharField(label=_("Name"), max_length=100)
    region = forms.ModelChoiceField(
        label=_("Subdistrict or community"),
        queryset=Region.objects.filter(level__in=KIOSK_REGION_LEVELS).order_by("code"),
    )
    address = forms.CharField(label=_("Address"), max_length=200)
    installed_on = forms.DateField(
        label=_("Installed on"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )


class KioskRetireForm(forms.Form):
    retired_on = forms.DateField(
        label=_("Retired on"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
