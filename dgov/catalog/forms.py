"""Forms of the catalogue pages: the public search and filters, and the managers' import and actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dgov.catalog.models import ServiceItem
from dgov.catalog.selectors import departments_with_items, life_events_in_use

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ItemSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    life_event = forms.ChoiceField(label=_("Life event"), required=False)
    subject = forms.ChoiceField(label=_("Who can apply"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        anything = ("", _("All"))
        self._choices("department", [anything, *((d.code, d.label) for d in departments_with_items())])
        self._choices("kind", [anything, *ServiceItem.Kind.choices])
        self._choices("life_event", [anything, *((e.code, e.label) for e in life_events_in_use())])
        self._choices(
            "subject",
            [
                anything,
                (ServiceItem.Subject.PERSON, _("Individuals")),
                (ServiceItem.Subject.ENTERPRISE, _("Enterprises and organisations")),
            ],
        )

    def _choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def filters(self) -> dict[str, str]:
        """The valid filters (an invalid choice, e.g. from an old link, is ignored)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v}


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Catalogue file"),
        help_text=_("An XLSX workbook with the sheets 事项 and 材料 (as exported here), or a JSON catalogue file."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.json"}),
    )
    publish = forms.BooleanField(
        label=_("Publish the imported items at once"),
        required=False,
        help_text=_("Otherwise new and changed items are saved as drafts for you to check and publish."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        if Path(upload.name).suffix.lower() not in (".xlsx", ".json"):
            raise forms.ValidationError(_("Upload an .xlsx or a .json file."))
        return upload

    @property
    def file_format(self) -> str:
        return Path(self.cleaned_data["file"].name).suffix.lower().lstrip(".")


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawing"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
