"""CSV import: all rows or none, every row's errors at once, and the encodings spreadsheets write."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from dgov.accounts.models import Department, User
from dgov.audit.models import AuditEvent
from dgov.core.errors import ApplicationError
from dgov.credit import services
from dgov.credit.models import CreditEntry
from dgov.credit.tests.conftest import ENTERPRISE_CODE, OTHER_CODE, PERSON_ID, make_entry, wrong_check_digit

HEADER = "list,subject_kind,subject_key,subject_name,measures,document_number,reason,valid_from,valid_until"
GOOD_ROWS = [
    f"black,enterprise,{ENTERPRISE_CODE},江海测试失信商贸有限公司,manual_review;restrict_licensing,（2025）粤0704执9号,拒不履行,2025-01-01,2027-12-31",
    f"黑名单,自然人,{PERSON_ID},刘某某,manual_review,（2025）粤0704执10号,违反财产报告制度,2025/3/1,",
    f"red,enterprise,{OTHER_CODE},江海守信电子有限公司,tolerate_missing；fast_track,A级纳税人名单,纳税信用A级,2025-01-01,",
]


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def test_a_good_file_lists_every_row(fgj_admin: User, fgj: Department) -> None:
    created = services.credit_entry_import(actor=fgj_admin, department=fgj, content=_csv(*GOOD_ROWS))
    assert [(e.list_kind, e.subject_kind, e.measures) for e in created] == [
        ("black", "enterprise", ["manual_review", "restrict_licensing"]),
        ("black", "person", ["manual_review"]),
        ("red", "enterprise", ["tolerate_missing", "fast_track"]),
    ]
    person = created[1]
    assert person.subject_key == PERSON_ID and person.valid_until is None and str(person.valid_from) == "2025-03-01"
    assert {e.department for e in created} == {fgj} and {e.authority for e in created} == {fgj.name}
    events = AuditEvent.objects.filter(action="credit.entry_create")
    assert events.count() == 3 and {e.summary["via"] for e in events} == {"import"}


def test_one_bad_row_imports_nothing_and_every_error_is_reported(fgj_admin: User, fgj: Department) -> None:
    bad = [
        GOOD_ROWS[0],
        f"black,person,{wrong_check_digit(PERSON_ID)},刘某某,manual_review,决定1,理由,2025-01-01,",  # line 3
        f"red,enterprise,{OTHER_CODE},某公司,restrict_subsidy,决定2,理由,2025-01-01,",  # line 4: wrong list
        f"black,enterprise,{OTHER_CODE},某公司,manual_review,决定3,理由,2025-06-01,2025-01-01",  # line 5: ends first
        f"black,enterprise,{OTHER_CODE},某公司,manual_review,决定4,理由,2025-13-01,",  # line 6: no such date
        GOOD_ROWS[0],  # line 7: the same as line 2
    ]
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        services.credit_entry_import(actor=fgj_admin, department=fgj, content=_csv(*bad))
    assert exc.value.code == "invalid_import"
    assert set(exc.value.field_errors) == {
        "rows.3.subject_key",
        "rows.4.measures",
        "rows.5.valid_until",
        "rows.6.valid_from",
        "rows.7.subject_key",
    }
    assert not CreditEntry.objects.exists() and AuditEvent.objects.count() == before


def test_a_row_already_listed_refuses_the_file(fgj_admin: User, fgj: Department) -> None:
    make_entry(fgj_admin, fgj, document_number="（2025）粤0704执9号")
    with pytest.raises(ApplicationError) as exc:
        services.credit_entry_import(actor=fgj_admin, department=fgj, content=_csv(*GOOD_ROWS))
    assert set(exc.value.field_errors) == {"rows.2.subject_key"}
    assert CreditEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "file"),
        (_csv(header="list,subject_kind,subject_key"), "file"),  # missing columns
        (_csv(GOOD_ROWS[0], header=HEADER + ",colour"), "file"),  # unknown column
        (_csv(header=HEADER), "file"),  # no rows
        (b"\xff\xfe\x00\x00garbage\x81", "file"),  # neither UTF-8 nor GB 18030
    ],
)
def test_a_malformed_file_is_refused(fgj_admin: User, fgj: Department, content: bytes, expected: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.credit_entry_import(actor=fgj_admin, department=fgj, content=content)
    assert expected in exc.value.field_errors
    assert not CreditEntry.objects.exists()


def test_gb18030_files_with_columns_in_another_order_are_read(fgj_admin: User, fgj: Department) -> None:
    text = (
        "subject_name,list,subject_kind,subject_key,measures,document_number,reason,valid_from,authority\r\n"
        f"江海守信电子有限公司,红名单,企业,{OTHER_CODE},fewer_checks,A级名单,守信,2025-01-01,江海区税务局\r\n"
    )
    (entry,) = services.credit_entry_import(actor=fgj_admin, department=fgj, content=text.encode("gb18030"))
    assert (entry.subject_name, entry.list_kind, entry.authority) == ("江海守信电子有限公司", "red", "江海区税务局")


def test_only_the_department_s_administrators_import_for_it(scjg_admin: User, fgj: Department) -> None:
    with pytest.raises(PermissionDenied):
        services.credit_entry_import(actor=scjg_admin, department=fgj, content=_csv(*GOOD_ROWS))
    assert not CreditEntry.objects.exists()


# --- The page --------------------------------------------------------------------------------------


def _upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("list.csv", content, content_type="text/csv")


def test_the_import_page_documents_the_columns_and_lists_row_errors(
    fgj_admin: User, fgj: Department, login: Any
) -> None:
    client = login(fgj_admin)
    html = client.get("/credit/import/").content.decode()
    for column in ("list", "subject_kind", "subject_key", "measures", "valid_until", "authority"):
        assert f'data-column="{column}"' in html
    for code in ("tolerate_missing", "manual_review", "restrict_subsidy"):
        assert f"<code>{code}</code>" in html

    bad = _csv(GOOD_ROWS[0], f"black,person,{wrong_check_digit(PERSON_ID)},刘某某,manual_review,决定1,理由,2025-01-01,")
    response = client.post("/credit/import/", {"department": fgj.pk, "file": _upload(bad)})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-error-line="3" data-error-column="subject_key"' in html
    assert not CreditEntry.objects.exists()

    response = client.post("/credit/import/", {"department": fgj.pk, "file": _upload(_csv(*GOOD_ROWS))})
    assert response.status_code == 302 and response["Location"] == "/credit/"
    assert CreditEntry.objects.filter(department=fgj).count() == 3


def test_the_import_page_offers_only_the_administrator_s_departments(
    scjg_admin: User, fgj: Department, login: Any
) -> None:
    response = login(scjg_admin).post("/credit/import/", {"department": fgj.pk, "file": _upload(_csv(*GOOD_ROWS))})
    assert response.status_code == 400  # fgj is not a choice
    assert not CreditEntry.objects.exists()
