"""Forms of the bundles pages (the application form itself is merged from the items' schemas)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dgov.bundles.models import Bundle
from dgov.bundles.selectors import life_events
from dgov.bundles.services import BundleContent


class BundleForm(forms.Form):
    """A bundle as the catalogue administrator writes it: items by code, one per line, in order."""

    code = forms.SlugField(label=_("Code"), max_length=32, help_text=_("Lower-case letters, digits and hyphens."))
    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    life_event = forms.ChoiceField(label=_("Life event"))
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    item_codes = forms.CharField(
        label=_("Items"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Item codes, one per line, in the order the applicant sees them."),
    )

    def __init__(self, *args: Any, bundle: Bundle | None = None, **kwargs: Any) -> None:
        if bundle is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "code": bundle.code,
                "name": bundle.name,
                "name_en": bundle.name_en,
                "life_event": bundle.life_event.code,
                "description": bundle.description,
                "item_codes": "\n".join(bundle.item_codes),
            }
        super().__init__(*args, **kwargs)
        life_event = self.fields["life_event"]
        assert isinstance(life_event, forms.ChoiceField)
        life_event.choices = [(e.code, e.label) for e in life_events()]
        if bundle is not None:
            self.fields["code"].disabled = True

    def content(self) -> BundleContent:
        data = self.cleaned_data
        return BundleContent(
            code=data["code"],
            name=data["name"],
            name_en=data.get("name_en", ""),
            life_event=data["life_event"],
            description=data.get("description", ""),
            item_codes=tuple(line.strip() for line in data["item_codes"].splitlines() if line.strip()),
        )
