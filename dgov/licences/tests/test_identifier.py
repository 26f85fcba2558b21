"""Licence identifiers (GB/T 36904): the ISO/IEC 7064 MOD 37,36 check character, what it catches,
the parser's refusals, and the identifiers the platform gives the licences it issues."""

from __future__ import annotations

import itertools

import pytest

from dgov.accounts.models import User
from dgov.licences import services
from dgov.licences.identifier import (
    ALPHABET,
    ROOT,
    IdentifierError,
    identifier_parse,
    licence_identifier,
    mod37_36,
    mod37_36_valid,
)
from dgov.licences.models import Licence, LicenceType

# Identifiers of licences issued through the national e-licence platform (the check is the last character).
NATIONAL = [
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.S",
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "1.2.156.3005.2.11100000000013338W087.11370800MB28559184.37080001202411010001.001.3",
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
]


def _compact(identifier: str) -> str:
    """The body and check character: every part after the root, dots removed."""
    return identifier.removeprefix(ROOT + ".").replace(".", "")


def test_the_worked_example_of_iso_7064() -> None:
    # ISO/IEC 7064's MOD 37,36 example as used for the Global Release Identifier (GRid).
    assert mod37_36("A12425GABC1234002") == "M"
    assert mod37_36_valid("A12425GABC1234002M")
    assert mod37_36("a12425gabc1234002") == "M"


@pytest.mark.parametrize("identifier", NATIONAL)
def test_national_platform_identifiers_check_and_parse(identifier: str) -> None:
    compact = _compact(identifier)
    assert mod37_36(compact[:-1]) == identifier[-1]
    parts = identifier_parse(identifier)
    assert parts["check"] == identifier[-1]
    assert len(parts["type_code"]) == 21 and len(parts["issuer_code"]) == 18 and len(parts["version"]) == 3
    rebuilt = licence_identifier(
        type_code=parts["type_code"],
        issuer_code=parts["issuer_code"],
        serial=parts["serial"],
        version=int(parts["version"]),
    )
    assert rebuilt == identifier


def test_the_two_versions_of_one_licence_differ_only_in_version_and_check() -> None:
    v1, v2 = identifier_parse(NATIONAL[1]), identifier_parse(NATIONAL[0])
    assert {k: v for k, v in v1.items() if k not in ("version", "check")} == {
        k: v for k, v in v2.items() if k not in ("version", "check")
    }
    assert (v1["version"], v2["version"]) == ("001", "002")


@pytest.mark.parametrize("identifier", NATIONAL)
def test_every_single_character_substitution_is_detected(identifier: str) -> None:
    compact = _compact(identifier)
    for i, original in enumerate(compact):
        for char in ALPHABET:
            if char == original:
                continue
            changed = compact[:i] + char + compact[i + 1 :]
            assert not mod37_36_valid(changed), (i, original, char)
    # The same through the parser: any one character of the written identifier replaced is refused.
    start = len(ROOT) + 1
    for i in range(start, len(identifier)):
        if identifier[i] == ".":
            continue
        for char in ALPHABET:
            if char != identifier[i]:
                with pytest.raises(IdentifierError):
                    identifier_parse(identifier[:i] + char + identifier[i + 1 :])


@pytest.mark.parametrize("identifier", NATIONAL)
def test_every_adjacent_transposition_of_these_identifiers_is_detected(identifier: str) -> None:
    compact = _compact(identifier)
    swaps = 0
    for i in range(len(compact) - 1):
        if compact[i] == compact[i + 1]:
            continue
        swapped = compact[:i] + compact[i + 1] + compact[i] + compact[i + 2 :]
        assert not mod37_36_valid(swapped), i
        swaps += 1
    assert swaps > 20


def test_most_adjacent_transpositions_are_detected_in_general() -> None:
    # One leading character puts the computation in each of its 36 possible states, so a leading
    # character followed by every pair a != b covers every case a transposition can meet.
    missed = []
    total = 0
    for lead, a, b in itertools.product(ALPHABET, repeat=3):
        if a == b:
            continue
        total += 1
        if mod37_36(lead + a + b) == mod37_36(lead + b + a):
            missed.append(lead + a + b)
    assert total == 36 * 36 * 35
    # A hybrid system misses a few transpositions: 72 of 45,360 (0.16 %) here.
    assert 0 < len(missed) <= total * 0.002


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "1.2.156.3005.2",
        "1.2.156.3005.1.11100000000013338W011.11430000006122244L.20230000403.002.S",  # other root
        "2.16.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.S",
        "1.2.156.3005.2.11100000000013338W01.11430000006122244L.20230000403.002.S",  # type code 20
        "1.2.156.3005.2.11100000000013338W0111.11430000006122244L.20230000403.002.S",  # type code 22
        "1.2.156.3005.2.11100000000013338W011.11430000006122244.20230000403.002.S",  # issuer 17
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L..002.S",  # no serial
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.2023-0000403.002.S",
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.02.S",  # version 2 digits
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.0002.S",
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.00A.S",
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002",  # no check
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.",
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.SS",
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.T",  # wrong check
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.S.",
        "1.2.156.3005.2.11100000000013338W011 .11430000006122244L.20230000403.002.S",
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.２0230000403.002.S",  # full-width digit
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.S\n1",
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.００２.S",  # full-width version
        "JHL1.e30.MEQ",
    ],
)
def test_malformed_identifiers_are_refused(text: str) -> None:
    with pytest.raises(IdentifierError):
        identifier_parse(text)


def test_case_and_surrounding_space_do_not_matter() -> None:
    assert identifier_parse("  " + NATIONAL[0].lower() + "\n") == identifier_parse(NATIONAL[0])


@pytest.mark.parametrize("body", ["A1-2", "许可", "A 1", "a.b"])
def test_the_check_character_is_only_defined_over_0_9_and_a_z(body: str) -> None:
    with pytest.raises(IdentifierError):
        mod37_36(body)
    assert not mod37_36_valid("")
    assert not mod37_36_valid("M")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"type_code": "11100000000013338W01"}, "type code"),
        ({"issuer_code": "11430000006122244"}, "type code"),
        ({"serial": "2023-1"}, "serial"),
        ({"serial": ""}, "serial"),
        ({"version": 0}, "version"),
        ({"version": 1000}, "version"),
    ],
)
def test_an_identifier_is_not_made_from_bad_parts(kwargs: dict[str, object], words: str) -> None:
    parts: dict[str, object] = {
        "type_code": "11100000000013338W011",
        "issuer_code": "11430000006122244L",
        "serial": "20230000403",
        "version": 1,
        **kwargs,
    }
    with pytest.raises(IdentifierError, match=words):
        licence_identifier(**parts)  # type: ignore[arg-type]


def test_issued_licences_carry_type_issuer_serial_and_version(
    food_licence: Licence, food_type: LicenceType, enterprise: User
) -> None:
    parts = identifier_parse(food_licence.identifier)
    assert food_licence.identifier.startswith(ROOT + ".")
    assert parts["type_code"] == food_type.type_code == food_type.definer_credit_code + food_type.type_number
    assert parts["issuer_code"] == food_type.issuer.credit_code
    assert parts["serial"] == food_licence.serial and len(food_licence.serial) == 12
    assert parts["version"] == "001" and food_licence.version == 1

    changed = services.licence_replace(
        actor=None, licence=food_licence, face={"premises": "江海区东海路 30 号（示例）"}
    )
    new_parts = identifier_parse(changed.identifier)
    assert new_parts["version"] == "002" and new_parts["serial"] == parts["serial"]
    assert changed.identifier != food_licence.identifier


def test_every_demo_licence_has_a_well_formed_identifier(licences_demo: dict[str, int]) -> None:
    licences = list(Licence.objects.select_related("type", "issuer"))
    assert len(licences) >= licences_demo["licences"] >= 2
    serials = set()
    for licence in licences:
        parts = identifier_parse(licence.identifier)
        assert parts["type_code"] == licence.type.type_code
        assert parts["issuer_code"] == licence.issuer.credit_code
        assert parts["version"] == f"{licence.version:03d}"
        serials.add((licence.type_id, licence.serial))
    assert len(serials) == len(licences)
