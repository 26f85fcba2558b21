"""Forms of the staff's rectification steps, the appeal and the exclusion review.

The rating form itself is drawn by hand (large faces, dimension rows, tags) and checked by
dgov.ratings.rules; these forms give the browser the fields and their limits, and the services
check every rule again.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dgov.ratings.models import COMMENT_MAX, TEXT_MAX, Rectification

YES_NO = [("yes", _("Yes, the complaint is verified")), ("no", _("No, it could not be verified"))]


def _area(rows: int = 3, limit: int = TEXT_MAX) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "maxlength": limit})


class CallbackForm(forms.Form):
    result = forms.CharField(
        label=_("What the call-back found"),
        max_length=TEXT_MAX,
        widget=_area(),
        help_text=_("Who was reached, when, and what they said."),
    )
    verified = forms.ChoiceField(label=_("Is the complaint verified?"), choices=YES_NO, widget=forms.RadioSelect)

    def verified_value(self) -> bool | None:
        value = self.cleaned_data.get("verified")
        return None if value is None else value == "yes"


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("How it was resolved"), choices=Rectification.Resolution.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("What was done, or what the rater was told"), max_length=TEXT_MAX, widget=_area())
    explanation = forms.ChoiceField(
        label=_("Grounds of the explanation"),
        choices=[("", "—"), *Rectification.Explanation.choices],
        required=False,
        help_text=_("Only when the complaint is explained rather than fixed."),
    )
    ledger_what = forms.CharField(
        label=_("Ledger: what is to be fixed"),
        max_length=TEXT_MAX,
        required=False,
        widget=_area(2),
        help_text=_("Only for a fix by a deadline."),
    )
    ledger_responsible = forms.CharField(label=_("Ledger: who answers for it"), max_length=100, required=False)
    ledger_due = forms.DateField(
        label=_("Ledger: to be done by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class LedgerDoneForm(forms.Form):
    done_note = forms.CharField(label=_("How it was done"), max_length=TEXT_MAX, widget=_area(2))


class ReportForm(forms.Form):
    outcome = forms.CharField(
        label=_("Answer to the rater"),
        max_length=TEXT_MAX,
        widget=_area(4),
        help_text=_("The rater receives this as a notice and by SMS, and reads it on their rating page."),
    )


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you disagree with the answer"), max_length=COMMENT_MAX, widget=_area(4, COMMENT_MAX)
    )


class ExclusionProposeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why this rating is malicious"),
        max_length=TEXT_MAX,
        widget=_area(),
        help_text=_("A department administrator other than you reviews the proposal."),
    )


class ExclusionDecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve: leave the rating out of the statistics")), ("reject", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Review note"),
        max_length=TEXT_MAX,
        required=False,
        widget=_area(2),
        help_text=_("Required when refusing."),
    )


class PadFindForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=40)


class StatsFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["year"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("All years")), *[(y, str(y)) for y in years]]
