"""Licence types travel as JSON: export, edit, import; a bad entry imports nothing and says which."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from dgov.licences.models import LicenceType


def test_export_then_import_round_trips_and_updates(licences_demo: dict[str, int], tmp_path: Path) -> None:
    path = tmp_path / "types.json"
    call_command("licence_types", "--export", str(path))
    entries = json.loads(path.read_text(encoding="utf-8"))
    assert len(entries) == LicenceType.objects.count() > 0
    food = next(e for e in entries if e["code"] == "food_business_licence")
    food["print_note"] = "新的说明"
    new = {**food, "code": "pharmacy_licence", "name": "药品经营许可证", "type_number": "901"}
    path.write_text(json.dumps([food, new], ensure_ascii=False), encoding="utf-8")
    call_command("licence_types", "--import", str(path))
    assert LicenceType.objects.get(code="food_business_licence").print_note == "新的说明"
    assert LicenceType.objects.get(code="pharmacy_licence").issuer.code == food["issuer"]


@pytest.mark.parametrize(
    "change, says",
    [
        ({"issuer": "nope"}, "no department"),
        ({"holder_kind": "robot"}, "holder_kind"),
        ({"type_number": "12"}, "3 位数字"),
        ({"face_schema": {}}, "至少要有一个字段"),
        ({"validity_years": "five"}, "validity_years"),
    ],
)
def test_a_bad_entry_imports_nothing(
    change: dict[str, object], says: str, licences_demo: dict[str, int], tmp_path: Path
) -> None:
    call_command("licence_types", "--export", str(tmp_path / "all.json"))
    entries = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    good = {**entries[0], "code": "good_new_type", "type_number": "902"}
    bad = {**entries[1], **change, "code": "bad_new_type", "type_number": change.get("type_number", "903")}
    path = tmp_path / "import.json"
    path.write_text(json.dumps([good, bad], ensure_ascii=False), encoding="utf-8")
    count = LicenceType.objects.count()
    # The command speaks the active language; the check reads the district's default, Chinese.
    with translation.override("zh-hans"), pytest.raises(CommandError) as refused:
        call_command("licence_types", "--import", str(path))
    assert "entry 2 (bad_new_type)" in str(refused.value) and says in str(refused.value)
    assert LicenceType.objects.count() == count
    assert not LicenceType.objects.filter(code="good_new_type").exists()


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path, licences_demo: dict[str, int]) -> None:
    path = tmp_path / "broken.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("licence_types", "--import", str(path))
