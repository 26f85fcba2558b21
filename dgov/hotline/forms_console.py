"""Forms of the hotline console: the dispatch catalogue, time limits, the knowledge base and the
statistics period. They parse and offer choices; dgov.hotline.services checks the rules."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dgov.accounts.models import Department, Region
from dgov.hotline.forms_public import LongText
from dgov.hotline.models import Category
from dgov.hotline.numbering import hotline_region_code

STATS_MAX_DAYS = 3 * 366
Choices = list[tuple[str, Any]]


def leaf_choices(*, blank: Any = None) -> Choices:
    """Leaf categories in use, grouped under “top class / class”, shown with their codes."""
    categories = list(Category.objects.filter(active=True).order_by("code"))
    names = {c.code: c.label for c in categories if c.level < 3}
    groups: dict[str, list[tuple[str, str]]] = {}
    for c in categories:
        if c.level == 3:
            group = f"{names.get(c.code[:2] + '0000', c.code[:2])} / {names.get(c.code[:4] + '00', c.code[:4])}"
            groups.setdefault(group, []).append((c.code, f"{c.code} {c.label}"))
    choices: Choices = [("", blank)] if blank is not None else []
    return choices + list(groups.items())


def place_choices() -> Choices:
    """Anywhere, or a subdistrict (街道) of the hotline's area or one of its communities."""
    root = hotline_region_code()
    regions = list(
        Region.objects.filter(path__startswith=root)
        .exclude(level=Region.Level.DISTRICT)
        .select_related("parent")
        .order_by("code")
    )
    subdistricts = [r for r in regions if r.level == Region.Level.SUBDISTRICT]
    choices: Choices = [("", _("Anywhere in the district"))]
    for sub in subdistricts:
        options = [(sub.code, _("%(name)s (the whole subdistrict)") % {"name": sub.name})]
        options += [(r.code, r.name) for r in regions if r.parent_id == sub.pk]
        choices.append((sub.name, options))
    return choices


def _leaf(code: str) -> Category | None:
    if not code:
        return None
    found = Category.objects.filter(code=code, level=3, active=True).select_related("department").first()
    if found is None:
        raise forms.ValidationError(_("Choose a category of the last level."), code="invalid_category")
    return found


class DispatchRuleForm(forms.Form):
    """A new line of the dispatch catalogue: a leaf category, a place (or anywhere), a department."""

    category = forms.ChoiceField(label=_("Category"))
    place = forms.ChoiceField(
        label=_("Place"),
        required=False,
        help_text=_("The most specific line wins: a community's, then its subdistrict's, then anywhere."),
    )
    department = forms.ModelChoiceField(label=_("Handling department"), queryset=Department.objects.order_by("code"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        place = self.fields["place"]
        assert isinstance(category, forms.ChoiceField) and isinstance(place, forms.ChoiceField)
        category.choices = leaf_choices(blank="—")
        place.choices = place_choices()

    def clean_category(self) -> Category:
        found = _leaf(self.cleaned_data.get("category", ""))
        if found is None:
            raise forms.ValidationError(_("Choose a category of the last level."), code="required")
        return found

    def clean_place(self) -> Region | None:
        code = self.cleaned_data.get("place", "")
        if not code:
            return None
        found = Region.objects.filter(code=code, path__startswith=hotline_region_code()).first()
        if found is None or found.level == Region.Level.DISTRICT:
            raise forms.ValidationError(_("Choose a subdistrict or community of the district."), code="invalid_place")
        return found


class DispatchRuleChangeForm(forms.Form):
    """A line's department and note; its category and place make it what it is (delete and add
    another line to change those)."""

    department = forms.ModelChoiceField(label=_("Handling department"), queryset=Department.objects.order_by("code"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class TimeLimitForm(forms.Form):
    sign_days = forms.IntegerField(
        label=_("Sign for within (working days)"),
        min_value=0,
        max_value=60,
        help_text=_("0 means by the end of the day of dispatch."),
    )
    reply_days = forms.IntegerField(label=_("Reply within (working days)"), min_value=0, max_value=60)


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Question"), max_length=200)
    answer = LongText(label=_("Answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 10, "maxlength": 5000}))
    department = forms.ModelChoiceField(label=_("Answering department"), queryset=Department.objects.none())
    category = forms.ChoiceField(label=_("Category"), required=False)
    basis = forms.CharField(
        label=_("Policy basis"),
        max_length=300,
        required=False,
        help_text=_("The regulation or document the answer rests on."),
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        max_length=200,
        required=False,
        help_text=_("Words callers use for this question, separated by spaces."),
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("After this date the answer is no longer offered to operators."),
    )
    publish = forms.BooleanField(label=_("Publish it now"), required=False)

    def __init__(self, *args: Any, departments: list[Department], can_publish: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        department = self.fields["department"]
        category = self.fields["category"]
        assert isinstance(department, forms.ModelChoiceField) and isinstance(category, forms.ChoiceField)
        department.queryset = Department.objects.filter(pk__in=[d.pk for d in departments]).order_by("code")
        if len(departments) == 1:
            department.initial = departments[0].pk
        category.choices = leaf_choices(blank=_("No category"))
        if not can_publish:
            del self.fields["publish"]

    def clean_category(self) -> Category | None:
        return _leaf(self.cleaned_data.get("category", ""))


class ArticleSearchForm(forms.Form):
    q = forms.CharField(label=_("Search the knowledge base"), max_length=100, required=False)


class StatsPeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, date) and isinstance(end, date):
            if end < start:
                self.add_error("end", _("The end comes on or after the start."))
            elif end - start > timedelta(days=STATS_MAX_DAYS):
                self.add_error("end", _("At most three years at a time."))
        return data
