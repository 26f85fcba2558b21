"""Forms of the staff pages of e-seals and e-licences.

The services check every rule again; these forms give the browser the fields, their limits and
the place to show a refusal.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dgov.accounts.models import Department
from dgov.core.errors import ApplicationError
from dgov.core.forms import place_errors
from dgov.licences.faces import MAX_VALUE
from dgov.licences.models import Licence, LicenceType, Seal
from dgov.licences.services import MAX_REASON

# A face value longer than this gets a text area instead of a one-line input.
LONG_VALUE = 120


def start_of(day: date) -> datetime:
    """Midnight at the start of day, in the platform's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


class SealCreateForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), empty_label=None)
    name = forms.CharField(
        label=_("Seal name"),
        max_length=100,
        help_text=_("As engraved, e.g. 江门市江海区市场监督管理局电子证照专用章."),
    )
    kind = forms.ChoiceField(label=_("Seal kind"), choices=Seal.Kind.choices, initial=Seal.Kind.LICENCE)
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}), help_text=_("From 00:00 of this day.")
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("To the end of this day."),
    )
    picture = forms.FileField(
        label=_("Seal picture (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png"}),
        help_text=_(
            "A PNG of the seal, up to 1 MB. Without one the platform draws the seal from the department's name."
        ),
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = departments
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("valid_from", today)
            self.initial.setdefault("valid_until", today + timedelta(days=5 * 365))

    def validity(self) -> tuple[datetime, datetime]:
        """The validity window as the service takes it: from the first day's start to the last day's end."""
        start = start_of(self.cleaned_data["valid_from"])
        end = start_of(self.cleaned_data["valid_until"] + timedelta(days=1))
        return start, end


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("I understand and want to go ahead."), required=True)


class SealStatusForm(forms.Form):
    """Suspend, reactivate or revoke: the target status comes with the form, a reason with it."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(label=_("I understand that revoking is final."), required=True)

    def __init__(self, *args: Any, target: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"seal_{target}_%s")
        super().__init__(*args, **kwargs)
        self.target = target
        if target != Seal.Status.REVOKED:
            del self.fields["confirm"]


class LicenceFilterForm(forms.Form):
    STATUS_CHOICES = [("", _("Any")), *Licence.Status.choices, ("expired", _("Expired"))]

    type = forms.ChoiceField(label=_("Licence type"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    q = forms.CharField(
        label=_("Identifier or holder"),
        required=False,
        max_length=128,
        help_text=_("Part of the licence identifier or of the holder's name."),
    )

    def __init__(self, *args: Any, types: QuerySet[LicenceType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Any")), *((t.code, t.name) for t in types)]


class LicenceStatusForm(forms.Form):
    """Suspend, reinstate, revoke (撤销) or cancel (注销): the target status and the reason."""

    reason = forms.CharField(label=_("Reason"), max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, target: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"licence_{target}_%s")
        super().__init__(*args, **kwargs)
        self.target = target


class FaceForm(forms.Form):
    """The face fields (照面信息) of a licence type, generated from its face schema."""

    def __init__(self, *args: Any, ltype: LicenceType, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "face")
        super().__init__(*args, **kwargs)
        self.ltype = ltype
        schema = ltype.face_schema or {}
        props = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        language = get_language() or "zh-hans"
        for key in ltype.face_order():
            spec = props[key]
            limit = min(int(spec.get("maxLength") or MAX_VALUE), MAX_VALUE)
            widget: forms.Widget = forms.Textarea(attrs={"rows": 3}) if limit > LONG_VALUE else forms.TextInput()
            self.fields[key] = forms.CharField(
                label=ltype.face_label(key, language),
                max_length=limit,
                required=key in required,
                widget=widget,
            )

    def face(self) -> dict[str, str]:
        """Every face field's value; an empty one is left out of the licence by the service."""
        return {key: self.cleaned_data.get(key, "") or "" for key in self.fields}

    def place_errors(self, exc: ApplicationError) -> None:
        place_errors(self, exc, {f"face.{key}": key for key in self.fields})


class LookupForm(forms.Form):
    identifier = forms.CharField(
        label=_("Licence identifier"),
        max_length=128,
        help_text=_("As printed under the licence's QR code, e.g. 1.2.156.3005.2.…"),
    )
    case_number = forms.CharField(
        label=_("Case number"),
        max_length=40,
        required=False,
        help_text=_("The case you are handling that needs this licence. A look-up without a case is refused."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What you need the licence for; the holder can see who looked it up and why."),
    )

    def clean_identifier(self) -> str:
        return str(self.cleaned_data["identifier"]).strip().upper()

    def clean_case_number(self) -> str:
        number = str(self.cleaned_data.get("case_number") or "").strip()
        if not number:
            raise forms.ValidationError(
                _("Give the number of the case you are handling: looking up a licence needs one.")
            )
        return number
