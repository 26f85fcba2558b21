"""Forms of the hotline's public pages: filing a ticket (site, phone browser, message board) and
following one up by number and code. They parse; the rules live in dgov.hotline.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dgov.hotline.models import ADDRESS_MAX, DESCRIPTION_MAX, TITLE_MAX, Ticket
from dgov.hotline.numbering import LOOKUP_CODE_DIGITS, NUMBER_LENGTH
from dgov.hotline.services import TicketInput


class LongText(forms.CharField):
    """A textarea's text with browser line ends (CRLF) counted as one character, as the
    textarea's own maxlength counts them, so the limit means the same on both sides."""

    def to_python(self, value: Any) -> str:
        text = str(super().to_python(value) or "")
        return text.replace("\r\n", "\n").replace("\r", "\n")


def _text_area(limit: int, rows: int = 8) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "maxlength": limit})


class TicketForm(forms.Form):
    """What a signed-in citizen or enterprise tells the hotline on the website or a phone."""

    type = forms.ChoiceField(
        label=_("What kind of request is it?"),
        choices=Ticket.Type.choices,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        required=False,
        help_text=_("A few words; left empty, the start of the description is used."),
    )
    description = LongText(
        label=_("Describe the matter"),
        max_length=DESCRIPTION_MAX,
        widget=_text_area(DESCRIPTION_MAX),
        help_text=_("What happened, where and since when; at most 20,000 characters."),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=ADDRESS_MAX,
        required=False,
        help_text=_("Street and number, or the name of the community or village (for example 外海街道江海一路88号)."),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        max_digits=9,
        decimal_places=6,
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        help_text=_("Optional, in decimal degrees, e.g. 22.560000."),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        max_digits=9,
        decimal_places=6,
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        help_text=_("Optional, in decimal degrees, e.g. 113.130000."),
    )
    anonymous = forms.BooleanField(
        label=_("Stay anonymous"),
        required=False,
        help_text=_(
            "For a report (举报) you may stay anonymous: the ticket is then not linked to your account and "
            "nobody can call you back. You follow it only with its number and follow-up code, so keep them."
        ),
    )
    confidential = forms.BooleanField(
        label=_("Keep my identity confidential"),
        required=False,
        help_text=_("The department handling the matter is not told who you are; only the hotline centre knows."),
    )
    publish_consent = forms.BooleanField(
        label=_("The message and its reply may be published on the message board"),
        required=False,
        help_text=_(
            "Published without your name or phone number, after the matter is closed. Reports (举报) and "
            "confidential or anonymous messages are never published."
        ),
    )

    def ticket_input(self) -> TicketInput:
        data = self.cleaned_data
        return TicketInput(
            type=data["type"],
            title=data.get("title", ""),
            description=data["description"],
            address=data.get("address", ""),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            anonymous=bool(data.get("anonymous")),
            confidential=bool(data.get("confidential")),
            publish_consent=bool(data.get("publish_consent")),
        )


class BoardForm(TicketForm):
    """A message to the message board (留言板): published with its reply when the writer agrees,
    which the form proposes. Reports go through the report page: they are never published."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("publish_consent", True)
        super().__init__(*args, **kwargs)
        kind = self.fields["type"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [c for c in Ticket.Type.choices if c[0] != Ticket.Type.REPORT]
        self.fields["title"].required = True
        self.fields["title"].help_text = _("Shown as the heading of your message on the board.")
        for name in ("anonymous", "latitude", "longitude"):
            del self.fields[name]
        self.fields["publish_consent"].help_text = _(
            "Ticked: once the matter is closed, your message and the department's reply are shown on the "
            "message board for everyone, without your name or phone number. Untick it to keep the exchange "
            "between you and the hotline."
        )


class TrackForm(forms.Form):
    """Public follow-up of a ticket: its number and the follow-up code given when it was filed."""

    number = forms.CharField(
        label=_("Ticket number"),
        max_length=NUMBER_LENGTH + 4,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Starts with RX, 28 characters."),
    )
    code = forms.CharField(
        label=_("Follow-up code"),
        max_length=LOOKUP_CODE_DIGITS + 4,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        help_text=_("Six digits, given when the ticket was filed."),
    )


class BoardSearchForm(forms.Form):
    q = forms.CharField(label=_("Search the message board"), max_length=50, required=False)
