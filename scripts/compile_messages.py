#!/usr/bin/env python3
r"""Compile locale/*/LC_MESSAGES/*.po into .mo files with polib (pure Python, no GNU gettext).

The .mo files are committed, so a machine without gettext still serves translated pages.
Extraction does need GNU gettext (``apt-get install gettext``); compiling does not:

    .venv/bin/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=static \
        --ignore=var --ignore=node_modules --ignore="tests/*" --no-obsolete
    # translate the new msgids in locale/zh_Hans/LC_MESSAGES/django.po (drop any "fuzzy" flags), then:
    .venv/bin/python scripts/compile_messages.py

Usage:
    python scripts/compile_messages.py            # (re)write every .mo whose content changed
    python scripts/compile_messages.py --check    # write nothing; fail if any .mo is missing or stale

Staleness is judged by content, never by timestamps: each .po is compiled in memory, and the
catalogue it yields (as Python's gettext, and so Django, reads it) is compared with the catalogue
read from the .mo on disk: every message, plus the Content-Type, Plural-Forms and Language headers
(dates and translator names in the header do not count). A .mo written by msgfmt or by Django's
compilemessages counts as up to date when it holds the same messages.

Exit status: 0 when all is well; 1 when a .po cannot be parsed, a python-format placeholder in a
translation does not match its msgid, or (with --check) a .mo is missing or stale.
"""

from __future__ import annotations

import argparse
import gettext
import io
import re
import sys
from pathlib import Path
from typing import Any

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"

# printf-style conversions as Python's % operator reads them: %(name)s, %d, %5.2f, %%.
_PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])"
)


# A .po line outside comments: an optional keyword, then one complete double-quoted C string.
# polib forgives some broken lines (an unterminated string, for one) that msgfmt rejects.
_PO_LINE = re.compile(r'^(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?"(?:[^"\\]|\\.)*"\s*$')


def syntax_errors(text: str) -> list[str]:
    """Lines that are neither blank, a comment, nor a keyword with a well-formed quoted string."""
    errors = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and not _PO_LINE.match(stripped):
            errors.append(f"line {number}: malformed: {line!r}")
    return errors


def placeholders(text: str) -> list[str]:
    """The %-placeholders of a string, as a sorted list (``%%`` is not one)."""
    found = []
    for m in _PLACEHOLDER.finditer(text):
        if m.group("conv") == "%":
            continue
        found.append(f"%({m.group('name')}){m.group('conv')}" if m.group("name") is not None else f"%{m.group('conv')}")
    return sorted(found)


def format_errors(po: polib.POFile) -> list[str]:
    """Translations whose python-format placeholders differ from those of their msgid."""
    errors = []
    for entry in po.translated_entries():
        if "python-format" not in entry.flags:
            continue
        wanted = [placeholders(entry.msgid)]
        if entry.msgid_plural:
            wanted.append(placeholders(entry.msgid_plural))
            translations = [s for _, s in sorted(entry.msgstr_plural.items())]
        else:
            translations = [entry.msgstr]
        for text in translations:
            if placeholders(text) not in wanted:
                got = placeholders(text)
                errors.append(f"line {entry.linenum}: msgid {entry.msgid!r}: placeholders {got} in {text!r}")
    return errors


# Header fields that change what a page shows; dates and translator names do not (and msgfmt drops
# POT-Creation-Date), so they do not make a .mo stale.
_HEADERS_THAT_MATTER = ("content-type", "plural-forms", "language")


def catalogue(mo_bytes: bytes) -> dict[Any, str]:
    """The messages of a .mo file, read the way Python's gettext (and so Django) reads them."""
    translations = gettext.GNUTranslations(io.BytesIO(mo_bytes))
    messages: dict[Any, str] = dict(translations._catalog)  # type: ignore[attr-defined]
    messages.pop("", None)  # the raw header; its runtime-relevant fields are compared below
    info = translations.info()
    for field in _HEADERS_THAT_MATTER:
        messages[("header", field)] = info.get(field, "")
    return messages


def _shown(path: Path, locale_dir: Path) -> Path:
    return path.relative_to(locale_dir.parent) if path.is_relative_to(locale_dir.parent) else path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a .mo is missing or stale")
    parser.add_argument("--locale-dir", type=Path, default=LOCALE_DIR, help=f"default: {LOCALE_DIR}")
    args = parser.parse_args(argv)

    po_paths = sorted(args.locale_dir.glob("*/LC_MESSAGES/*.po"))
    if not po_paths:
        print(f"no .po files under {args.locale_dir}", file=sys.stderr)
        return 1

    failed = False
    for po_path in po_paths:
        mo_path = po_path.with_suffix(".mo")
        shown = _shown(po_path, args.locale_dir)
        try:
            problems = syntax_errors(po_path.read_text(encoding="utf-8"))
            if problems:
                raise ValueError("; ".join(problems))
            po = polib.pofile(str(po_path))
        except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
            print(f"ERROR {shown}: cannot parse: {exc}", file=sys.stderr)
            failed = True
            continue
        problems = format_errors(po)
        if problems:
            for problem in problems:
                print(f"ERROR {shown}: {problem}", file=sys.stderr)
            failed = True
            continue

        compiled = po.to_binary()
        try:
            wanted = catalogue(compiled)
        except OSError as exc:  # e.g. a Plural-Forms header Python's gettext rejects
            print(f"ERROR {shown}: compiled catalogue does not load: {exc}", file=sys.stderr)
            failed = True
            continue

        on_disk = mo_path.read_bytes() if mo_path.exists() else None
        if on_disk is None:
            state = "missing"
        else:
            try:
                state = "up to date" if catalogue(on_disk) == wanted else "stale"
            except OSError:
                state = "unreadable"

        mo_shown = _shown(mo_path, args.locale_dir)
        if args.check:
            if state != "up to date":
                print(f"{state.upper()}: {mo_shown} (from {shown})")
                failed = True
            continue
        if state != "up to date":  # a header-only change (dates) leaves the committed .mo alone
            mo_path.write_bytes(compiled)
            print(f"compiled {mo_shown}: {len(po.translated_entries())} of {len(po)} messages translated (was {state})")
        else:
            print(f"unchanged {mo_shown}")

    if args.check and failed:
        print("Run: python scripts/compile_messages.py", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
