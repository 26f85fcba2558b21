"""Forms of the hotline's staff pages: the operator's call console and one form per ticket action.

They check shapes (a number, a choice, a length); every rule of the ticket's life is the
services' (dgov.hotline.services), whose field errors are put back on these forms by the views.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dgov.accounts.models import Department
from dgov.hotline.deadlines import MAX_EXTENSION_DAYS
from dgov.hotline.models import (
    ADDRESS_MAX,
    DESCRIPTION_MAX,
    REPLY_MAX,
    TITLE_MAX,
    Article,
    Callback,
    Category,
    Ticket,
)
from dgov.ratings.models import DIMENSIONS, FACES, Dimension, Level, ServiceChannel

NOTE_MAX = 1000


class CategorySelect(forms.Select):
    """A select of leaf categories whose options carry the words the picker's filter matches
    (code, names, keywords, the parents' names) in ``data-search``."""

    def __init__(self, *args: Any, search: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.search = search or {}

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(name, value, *args, **kwargs)
        words = self.search.get(str(value))
        if words:
            option["attrs"]["data-search"] = words
        return option


def _category_choices() -> tuple[list[Any], dict[str, str]]:
    """Active leaf categories grouped under their parent, and each one's search words."""
    groups: dict[int, tuple[str, list[tuple[str, str]]]] = {}
    search: dict[str, str] = {}
    leaves = Category.objects.filter(level=3, active=True).select_related("parent__parent").order_by("code")
    for leaf in leaves:
        parent = leaf.parent
        top = parent.parent if parent is not None else None
        key = parent.pk if parent is not None else 0
        if key not in groups:
            label = " › ".join(c.label for c in (top, parent) if c is not None)
            groups[key] = (label, [])
        groups[key][1].append((leaf.code, f"{leaf.code} {leaf.label}"))
        search[leaf.code] = " ".join(
            w for c in (leaf, parent, top) if c is not None for w in (c.code, c.name, c.name_en, c.keywords) if w
        ).lower()
    return [("", _("— choose a category —")), *groups.values()], search


def category_field(*, required: bool = False, label: Any = None) -> forms.ChoiceField:
    choices, search = _category_choices()
    return forms.ChoiceField(
        label=label or _("Category"),
        required=required,
        choices=choices,
        widget=CategorySelect(search=search, attrs={"data-category-select": ""}),
    )


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label)


class DepartmentMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label)


def _departments() -> Any:
    return Department.objects.order_by("kind", "code")


def department_field(*, required: bool = False, label: Any = None) -> DepartmentChoiceField:
    return DepartmentChoiceField(
        label=label or _("Handling department"),
        queryset=_departments(),
        required=required,
        empty_label=_("— choose a department —"),
        widget=forms.Select(attrs={"data-department-select": ""}),
    )


def assist_field() -> DepartmentMultipleChoiceField:
    return DepartmentMultipleChoiceField(
        label=_("Assisting departments (optional)"),
        queryset=_departments(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def _textarea(rows: int, limit: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "maxlength": limit})


# --- The call console ------------------------------------------------------------------------------


class CallForm(forms.Form):
    """What the operator types while on the phone (受理)."""

    type = forms.ChoiceField(label=_("Type"), choices=Ticket.Type.choices, initial=Ticket.Type.HELP)
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Ticket.Urgency.choices, initial=Ticket.Urgency.NORMAL, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("What the caller says"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": DESCRIPTION_MAX, "data-suggest": ""}),
    )
    title = forms.CharField(
        label=_("Title (optional)"),
        required=False,
        max_length=TITLE_MAX,
        help_text=_("Left empty, the first line of the description is used."),
    )
    caller_name = forms.CharField(label=_("Caller's name"), required=False, max_length=64)
    caller_phone = forms.CharField(
        label=_("Caller's phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("A mobile number, or a landline with its area code."),
    )
    anonymous = forms.BooleanField(label=_("The caller stays anonymous"), required=False)
    confidential = forms.BooleanField(
        label=_("Keep the caller confidential (the department does not see who called)"), required=False
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=ADDRESS_MAX,
        widget=forms.TextInput(attrs={"data-suggest": "", "autocomplete": "off"}),
        help_text=_("Name the subdistrict or community when the caller knows it: it decides the department."),
    )
    latitude = forms.CharField(
        label=_("Latitude (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    longitude = forms.CharField(
        label=_("Longitude (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    answered_from = forms.ModelChoiceField(
        queryset=Article.objects.filter(status=Article.Status.PUBLISHED), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = category_field()
        self.fields["department"] = department_field(label=_("Dispatch to"))
        self.fields["assist"] = assist_field()
        self.fields["department"].help_text = _(
            "Choose a category and a department to dispatch it now; otherwise it waits for the dispatcher."
        )


# --- Ticket actions --------------------------------------------------------------------------------


class DispatchForm(forms.Form):
    """派单: a leaf category, the lead department, any assisting ones."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = category_field(required=True)
        self.fields["department"] = department_field(required=True)
        self.fields["assist"] = assist_field()
        self.fields["note"] = forms.CharField(
            label=_("Note to the department (optional)"), required=False, max_length=500, widget=_textarea(2, 500)
        )


class MergeForm(forms.Form):
    """并单: into one of the open tickets that look like the same matter."""

    def __init__(self, *args: Any, duplicates: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"] = forms.TypedChoiceField(
            label=_("Merge into"),
            coerce=int,
            widget=forms.RadioSelect,
            choices=[
                (d.ticket.pk, f"{d.ticket.number} · {d.ticket.title} ({d.overlap:.0%})") for d in (duplicates or [])
            ],
        )


class SignForm(forms.Form):
    department = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is not your department's business"), max_length=NOTE_MAX, widget=_textarea(3, NOTE_MAX)
    )


class ReturnReviewForm(forms.Form):
    """改派 or send back: the decision on a returned ticket."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            ("accept", _("Accept the return: dispatch to another department")),
            ("refuse", _("Refuse the return: send it back (give the reason)")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = category_field(label=_("Category (when changed)"))
        self.fields["department"] = department_field(label=_("Dispatch to (when accepted)"))
        self.fields["assist"] = assist_field()
        self.fields["note"] = forms.CharField(
            label=_("Note"), required=False, max_length=NOTE_MAX, widget=_textarea(2, NOTE_MAX)
        )


class ExtensionRequestForm(forms.Form):
    days = forms.IntegerField(label=_("Working days more"), min_value=1, max_value=MAX_EXTENSION_DAYS)
    reason = forms.CharField(label=_("Reason"), max_length=NOTE_MAX, widget=_textarea(3, NOTE_MAX))


class ExtensionDecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[("approve", _("Approve")), ("refuse", _("Refuse (give the reason)"))],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_MAX, widget=_textarea(2, NOTE_MAX))


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("Reply to the caller"), max_length=REPLY_MAX, widget=_textarea(6, REPLY_MAX))


class AssistReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Your department's part, for the lead department"), max_length=REPLY_MAX, widget=_textarea(5, REPLY_MAX)
    )


# The questions of a hotline rating besides the level itself (服务效率、业务能力、服务态度).
CALLBACK_DIMENSIONS = tuple(d for d in DIMENSIONS[ServiceChannel.HOTLINE] if d != Dimension.OVERALL)


class CallbackForm(forms.Form):
    """回访: whether the caller was reached and what they say, the 好差评 level (optional)."""

    outcome = forms.ChoiceField(
        label=_("Outcome of the call"), choices=Callback.Outcome.choices, widget=forms.RadioSelect
    )
    level = forms.TypedChoiceField(
        label=_("The caller's rating"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(level.value, level.label) for level in Level],
    )
    comment = forms.CharField(
        label=_("What the caller said about the service"),
        required=False,
        max_length=NOTE_MAX,
        widget=_textarea(2, NOTE_MAX),
        help_text=_("Needed with a dissatisfied rating."),
    )
    note = forms.CharField(
        label=_("Note of the call"), required=False, max_length=NOTE_MAX, widget=_textarea(2, NOTE_MAX)
    )
    reopen = forms.BooleanField(
        label=_("Not solved: reopen it for the same department"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Dimension.choices)
        for name in CALLBACK_DIMENSIONS:
            self.fields[f"dimension_{name}"] = forms.TypedChoiceField(
                label=labels[name],
                required=False,
                coerce=int,
                empty_value=None,
                choices=[(level.value, level.label) for level in Level],
                widget=forms.RadioSelect,
            )

    def dimensions(self) -> dict[str, int]:
        """The answered dimension questions (skipped ones left out)."""
        return {
            name: self.cleaned_data[f"dimension_{name}"]
            for name in CALLBACK_DIMENSIONS
            if self.cleaned_data.get(f"dimension_{name}") is not None
        }

    def level_rows(self) -> list[dict[str, Any]]:
        """The five levels with their faces, for the rating's radio buttons."""
        chosen = str(self["level"].value() or "")
        return [
            {
                "value": level.value,
                "label": level.label,
                "face": FACES[level.value],
                "checked": chosen == str(level.value),
            }
            for level in Level
        ]

    def dimension_rows(self) -> list[dict[str, Any]]:
        rows = []
        for name in CALLBACK_DIMENSIONS:
            bound = self[f"dimension_{name}"]
            rows.append(
                {
                    "name": name,
                    "html_name": bound.html_name,
                    "label": bound.label,
                    "value": str(bound.value() or ""),
                    "errors": bound.errors,
                }
            )
        return rows


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Why nobody was called back"), max_length=NOTE_MAX, widget=_textarea(2, NOTE_MAX))


# Where a service's field errors go on each action's form ("dimensions.x" is the rating's question).
SERVICE_FIELD_ALIASES = {
    "tags": "comment",
    **{f"dimensions.{name}": f"dimension_{name}" for name in CALLBACK_DIMENSIONS},
}


def add_service_errors(form: forms.Form, field_errors: dict[str, list[str]], fallback: str) -> None:
    """Put a service's field errors next to the form's fields; the rest (and the message when no
    field was named) above the form."""
    if not field_errors:
        form.add_error(None, fallback)
        return
    for key, messages in field_errors.items():
        name = SERVICE_FIELD_ALIASES.get(key, key)
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)


# --- The queue's filters ---------------------------------------------------------------------------


class CategoryFilterField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{'　' * (obj.level - 1)}{obj.code} {obj.label}"


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *Ticket.Status.choices])
    category = CategoryFilterField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.filter(active=True).order_by("code"),
        to_field_name="code",
        empty_label=_("Any"),
    )
    department = DepartmentChoiceField(
        label=_("Handling department"), required=False, queryset=_departments(), empty_label=_("Any")
    )
    deadline = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[("", _("Any")), ("overdue", _("Reply overdue")), ("sign_overdue", _("Sign-for overdue"))],
    )
    extension = forms.ChoiceField(
        required=False, choices=[("", ""), ("pending", _("Extension awaiting approval"))], widget=forms.HiddenInput
    )
