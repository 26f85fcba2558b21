"""Forms of the credit pages. They give the browser the fields and their limits; the services
check every rule again (check characters, measures of the list, validity) and their field errors
are put back on the form with :func:`place_errors`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dgov.accounts.models import Department
from dgov.core.errors import ApplicationError
from dgov.core.forms import place_errors as core_place_errors
from dgov.credit.models import MEASURES_BY_LIST, NAME_MAX, TEXT_MAX, CreditList, Measure, SubjectKind
from dgov.credit.services import CSV_MAX_BYTES

STATE_CHOICES = [
    ("", _("All states")),
    ("in_force", _("In force")),
    ("pending", _("Not yet in force")),
    ("expired", _("Expired")),
    ("withdrawn", _("Withdrawn")),
]

# Service field name -> form field name, where they differ.
_FIELD_NAMES = {"key": "subject_key", "kind": "subject_kind"}


def place_errors(form: forms.Form, exc: ApplicationError) -> None:
    """Put a service's refusal on the form (credit's field names where they differ)."""
    core_place_errors(form, exc, _FIELD_NAMES)


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


def _measure_choices() -> list[tuple[Any, Any]]:
    labels = dict(Measure.choices)
    return [(CreditList(kind).label, [(m, labels[m]) for m in measures]) for kind, measures in MEASURES_BY_LIST.items()]


class DepartmentChoiceMixin:
    """A ``department`` field limited to the departments the member of staff keeps lists for."""

    fields: dict[str, forms.Field]

    def limit_departments(self, departments: QuerySet[Department]) -> None:
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = departments
        if departments.count() == 1:
            field.initial = departments.first()


class EntryForm(DepartmentChoiceMixin, forms.Form):
    department = forms.ModelChoiceField(label=_("Listing department"), queryset=Department.objects.none())
    list_kind = forms.ChoiceField(label=_("List"), choices=CreditList.choices, widget=forms.RadioSelect)
    subject_kind = forms.ChoiceField(label=_("Subject kind"), choices=SubjectKind.choices, widget=forms.RadioSelect)
    subject_key = forms.CharField(
        label=_("ID number or unified social credit code"),
        max_length=18,
        help_text=_("18 characters; the check character is verified."),
    )
    subject_name = forms.CharField(label=_("Subject name"), max_length=NAME_MAX)
    measures = forms.MultipleChoiceField(
        label=_("Measures"),
        choices=_measure_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Rewards belong to the red list, punishments to the black list."),
    )
    measure_note = forms.CharField(
        label=_("Measures in detail"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": TEXT_MAX}),
    )
    authority = forms.CharField(
        label=_("Deciding authority"),
        max_length=NAME_MAX,
        required=False,
        help_text=_("The authority whose decision the listing rests on; the listing department when empty."),
    )
    document_number = forms.CharField(label=_("Decision number"), max_length=NAME_MAX)
    reason = forms.CharField(
        label=_("Reason for listing"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=_date())
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=_date(), help_text=_("Empty: until withdrawn.")
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": TEXT_MAX}),
        help_text=_("For example the credit repair (信用修复) decision. The entry stays in the history."),
    )


class ImportForm(DepartmentChoiceMixin, forms.Form):
    department = forms.ModelChoiceField(label=_("Listing department"), queryset=Department.objects.none())
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8 or GB 18030, at most 2 MB and 5000 rows."))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large."))
        return upload


class FilterForm(forms.Form):
    list_kind = forms.ChoiceField(label=_("List"), choices=[("", _("Both lists")), *CreditList.choices], required=False)
    subject_kind = forms.ChoiceField(
        label=_("Subject kind"), choices=[("", _("All subjects")), *SubjectKind.choices], required=False
    )
    state = forms.ChoiceField(label=_("State"), choices=STATE_CHOICES, required=False)
    q = forms.CharField(
        label=_("Name or full key"),
        max_length=100,
        required=False,
        help_text=_("Part of the name, or the whole ID number or credit code."),
    )


class CheckForm(forms.Form):
    subject_kind = forms.ChoiceField(label=_("Subject kind"), choices=SubjectKind.choices, widget=forms.RadioSelect)
    subject_key = forms.CharField(label=_("ID number or unified social credit code"), max_length=18)
    item_code = forms.CharField(label=_("Item code"), max_length=64, required=False)
    case_number = forms.CharField(label=_("Case number"), max_length=40, required=False)
