"""Forms of the process console: uploading a BPMN file, saving the modeler's XML.

The forms check only what the browser sent (a file of the right kind, size and encoding); whether
the BPMN is one the engine can run is decided by ``process_definition_upload``, which refuses with
field errors the views copy onto these forms.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dgov.workflow.validation import MAX_BYTES

EXTENSIONS = (".bpmn", ".xml")


class DefinitionUploadForm(forms.Form):
    """A BPMN file as the next version of a key (``new_key``: the key and process id are asked too)."""

    key = forms.RegexField(
        label=_("Key"),
        regex=r"^[a-z][a-z0-9_]{0,63}$",
        max_length=64,
        help_text=_("How the platform names the process, e.g. food_licence: lowercase letters, digits and _."),
        error_messages={"invalid": _("Use 1-64 lowercase letters, digits and _, starting with a letter.")},
    )
    process_id = forms.CharField(
        label=_("Process id"),
        max_length=200,
        required=False,
        help_text=_("The id of the bpmn:process in the file that cases run. Leave empty to use the key."),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the process name in the file."),
    )
    file = forms.FileField(
        label=_("BPMN file"),
        help_text=_("A .bpmn or .xml file in UTF-8, at most 1 MB, as the modeler saves it."),
        widget=forms.ClearableFileInput(attrs={"accept": ".bpmn,.xml,application/xml,text/xml"}),
    )

    def __init__(self, *args: Any, new_key: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not new_key:
            del self.fields["key"]
            del self.fields["process_id"]

    def clean_file(self) -> bytes:
        """The file's bytes, once it is small enough, named .bpmn or .xml, and UTF-8 text."""
        upload = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in EXTENSIONS:
            raise forms.ValidationError(_("Upload a .bpmn or .xml file."), code="extension")
        if upload.size is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."), code="size")
        data: bytes = upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."), code="size")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                _("The file is not UTF-8 text (byte %(position)d). Save it as UTF-8 and upload it again."),
                code="encoding",
                params={"position": exc.start},
            ) from exc
        return data


class DefinitionEditForm(forms.Form):
    """The XML the modeler (or a person editing the source) sends back, saved as a new draft."""

    bpmn_xml = forms.CharField(
        label=_("BPMN XML"),
        max_length=MAX_BYTES,
        strip=False,
        help_text=_(
            "The modeler keeps this text up to date. If you cannot use the modeler, edit the XML here instead."
        ),
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false", "class": "bpmn-source"}),
    )
