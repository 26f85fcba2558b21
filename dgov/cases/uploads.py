"""Checking uploaded materials by what they contain, not by what they are called.

A material is accepted only when its bytes are one of the formats below and its name's extension
agrees with them: a Windows executable renamed to ``licence.pdf`` starts with ``MZ`` and is
refused, and so is a PNG called ``.pdf``. The stored name is random (the upload's name is kept
only as a label), so nothing a user sends becomes part of a path.

Formats: PDF, JPEG and PNG (what scanners and phones produce) and OFD (GB/T 33190, the Chinese
fixed-layout document format government systems export: a ZIP container with ``OFD.xml``).
"""

from __future__ import annotations

import uuid
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dgov.core import crypto


@dataclass(frozen=True)
class Format:
    content_type: str
    extensions: tuple[str, ...]
    label: str


PDF = Format("application/pdf", ("pdf",), "PDF")
JPEG = Format("image/jpeg", ("jpg", "jpeg"), "JPEG")
PNG = Format("image/png", ("png",), "PNG")
OFD = Format("application/ofd", ("ofd",), "OFD")
FORMATS = (PDF, JPEG, PNG, OFD)
ACCEPT_ATTRIBUTE = ",".join(f".{ext}" for f in FORMATS for ext in f.extensions)
MAX_NAME = 200

# Signatures of formats people try to pass off as documents, to say what the file really is.
_KNOWN_OTHERS = (
    (b"MZ", gettext_noop("an executable program")),
    (b"\x7fELF", gettext_noop("an executable program")),
    (b"#!", gettext_noop("a script")),
    (b"<!DOCTYPE html", gettext_noop("a web page")),
    (b"<html", gettext_noop("a web page")),
    (b"<svg", gettext_noop("an SVG image")),
)


class UploadRejected(ValueError):
    """The file is not acceptable; the message says why, in the user's language."""


def material_files(files: MultiValueDict[str, UploadedFile]) -> tuple[dict[int, list[UploadedFile]], list[str]]:
    """The files of a request by material id (fields named ``material_<id>``), and the names of
    any other file fields."""
    by_material: dict[int, list[UploadedFile]] = {}
    other: list[str] = []
    for name in files:
        if name.startswith("material_") and name[9:].isdigit():
            by_material[int(name[9:])] = files.getlist(name)
        else:
            other.append(name)
    return by_material, other


def max_bytes() -> int:
    return int(getattr(settings, "DGOV_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def _sniff(head: bytes, stream: IO[bytes]) -> Format | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04"):
        try:
            stream.seek(0)
            with zipfile.ZipFile(stream) as archive:
                if "OFD.xml" in archive.namelist():
                    return OFD
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
    return None


def _what_it_is(head: bytes) -> str:
    stripped = head.lstrip().lower()
    for magic, label in _KNOWN_OTHERS:
        if stripped.startswith(magic.lower()):
            return _(label)
    return _("a file of another type")


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed: its detected type, a random storage name, size and SM3 digest."""

    file: UploadedFile
    original_name: str
    content_type: str
    storage_name: str
    size: int
    sm3: str


def check_upload(upload: UploadedFile) -> CheckedUpload:
    """Check one uploaded file; raises UploadRejected with a message for the person who sent it."""
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:MAX_NAME] or "file"
    size = upload.size or 0
    limit = max_bytes()
    if size == 0:
        raise UploadRejected(_("%(name)s is empty.") % {"name": name})
    if size > limit:
        raise UploadRejected(
            _("%(name)s is %(size)s; files may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    upload.seek(0)
    head = upload.read(64)
    fmt = _sniff(head, upload)
    if fmt is None:
        raise UploadRejected(
            _("%(name)s is %(what)s, not a PDF, JPEG, PNG or OFD document.") % {"name": name, "what": _what_it_is(head)}
        )
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in fmt.extensions:
        raise UploadRejected(
            _("%(name)s contains a %(format)s document but its name does not end in .%(ext)s.")
            % {"name": name, "format": fmt.label, "ext": fmt.extensions[0]}
        )
    upload.seek(0)
    # Uploads are bounded by max_bytes(), so the digest is taken over the whole file at once.
    digest = crypto.sm3_hex(upload.read())
    upload.seek(0)
    return CheckedUpload(
        file=upload,
        original_name=name,
        content_type=fmt.content_type,
        storage_name=f"{uuid.uuid4().hex}.{fmt.extensions[0]}",
        size=size,
        sm3=digest,
    )
