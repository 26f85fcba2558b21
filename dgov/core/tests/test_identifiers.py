import logging

import pytest
from django.utils import translation

from dgov.core.logging import RedactPersonalDataFilter, redact
from dgov.core.masking import mask_id_number, mask_name, mask_phone
from dgov.core.validation import (
    credit_code_check_char,
    id_number_check_char,
    normalise_credit_code,
    normalise_id_number,
    normalise_phone,
)


def test_id_number_masking_keeps_region_and_last_four():
    assert mask_id_number("440704195603120018") == "440704********0018"
    assert mask_id_number("") == ""


def test_phone_and_name_masking():
    assert mask_phone("13800000001") == "138****0001"
    assert mask_name("陈伯文") == "陈**"


@translation.override("en")
def test_id_number_check_digit():
    # GB 11643 worked example: 11010519491231002X.
    assert id_number_check_char("11010519491231002") == "X"
    assert normalise_id_number(" 11010519491231002x ") == "11010519491231002X"
    with pytest.raises(ValueError, match="check digit"):
        normalise_id_number("110105194912310021")
    with pytest.raises(ValueError, match="18 characters"):
        normalise_id_number("12345")


def test_phone_normalisation():
    assert normalise_phone("+86 138-0000-0001") == "13800000001"
    with pytest.raises(ValueError):
        normalise_phone("12800000001")


@translation.override("en")
def test_credit_code_check_character():
    first17 = "91440704MA4UHT3F2"
    code = first17 + credit_code_check_char(first17)
    assert normalise_credit_code(code.lower()) == code
    wrong = first17 + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ValueError, match="check character"):
        normalise_credit_code(wrong)


def test_logs_never_carry_id_or_phone_numbers(caplog):
    assert redact("id 440704195603120018 tel 13800000001") == "id 440704********0018 tel 138****0001"
    logger = logging.getLogger("dgov.test")
    logger.addFilter(RedactPersonalDataFilter())
    with caplog.at_level(logging.INFO, logger="dgov.test"):
        logger.info("caller %s phoned from %s", "440704195603120018", "13800000001")
    assert "440704195603120018" not in caplog.text and "13800000001" not in caplog.text
    assert "440704********0018" in caplog.text
