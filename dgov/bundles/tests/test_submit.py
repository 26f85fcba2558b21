"""One submission: one parent, one child case per item in its department's process; or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from dgov.accounts.models import User
from dgov.audit.models import AuditEvent
from dgov.bundles import services
from dgov.bundles.merging import MergedForm
from dgov.bundles.models import Bundle, BundleCase, BundleChild
from dgov.bundles.tests.conftest import (
    ALLOWANCE,
    BANK_MATERIAL,
    CARD,
    EXE,
    PENSION,
    PHOTO_MATERIAL,
    form_data,
    material_key,
    submit,
    uploads,
)
from dgov.cases.models import Case, CaseMaterial
from dgov.core.errors import ApplicationError, ConflictError
from dgov.notices.models import Notice
from dgov.workflow.models import ProcessInstance


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_one_submission_makes_one_parent_and_a_child_per_item_in_its_departments_process(
    citizen: User, pension_bundle: Bundle, merged: MergedForm
) -> None:
    parent = submit(citizen, pension_bundle, merged, idempotency_key="b1")
    assert parent.number and parent.number.startswith("YJS440704000000") and len(parent.number) == 29
    assert parent.status == BundleCase.Status.SUBMITTED
    assert (parent.applicant, parent.submitted_by, parent.channel) == (citizen, citizen, "online")
    children = [c.case for c in BundleChild.objects.filter(parent=parent).select_related("case__item")]
    assert [c.item.name for c in children] == [ALLOWANCE, PENSION, CARD]
    for case in children:
        instance = ProcessInstance.objects.get(pk=case.instance_id)
        assert case.status == Case.Status.SUBMITTED and case.number
        assert case.department == case.item.department == instance.department
        assert instance.definition.key == case.item.process_key
        assert instance.subject_id == str(case.pk)
        assert set(case.form_data) <= set(case.item.form_schema["properties"])
    assert {c.department.code for c in children} == {"mzj", "rsj"}
    assert parent.promised_days == max(c.promised_days or 0 for c in children)
    assert parent.due_at == max(c.due_at for c in children if c.due_at)

    # The shared field went to both items that ask for it, and the stored form holds typed values.
    allowance, pension, card = children
    assert allowance.form_data["bank_account"] == pension.form_data["bank_account"] == "6222020000000000001"
    assert "bank_account" not in card.form_data
    assert parent.form_data["bank_account"] == "6222020000000000001"
    assert BundleCase.objects.get(pk=parent.pk).form_json == parent.form_json
    # The form is encrypted at rest, like a case's.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT form_json FROM bundles_bundlecase WHERE id = %s", [parent.pk])
        assert cursor.fetchone()[0].startswith("sm4gcm1:")

    # The shared material was uploaded once and stored for each child that asks for it.
    bank = CaseMaterial.objects.filter(case__in=[allowance, pension], item_material__name=BANK_MATERIAL)
    assert bank.count() == 2 and len({m.sm3 for m in bank}) == 1 and len({m.file.name for m in bank}) == 2
    assert CaseMaterial.objects.filter(case=card, item_material__name=PHOTO_MATERIAL).count() == 1

    assert AuditEvent.objects.filter(action="bundle.submit", target_id=str(parent.pk)).exists()
    assert Notice.objects.filter(recipient=citizen, subject__contains=parent.number).count() == 1


def test_a_refused_child_writes_nothing_at_all(citizen: User, pension_bundle: Bundle, merged: MergedForm) -> None:
    """The first two children pass and are written (with their files); the third is refused
    (no photo): the whole submission is rolled back and the files removed."""
    cases_before, notices_before = Case.objects.count(), Notice.objects.count()
    files = uploads(merged)
    del files[material_key(merged, PHOTO_MATERIAL)]
    with pytest.raises(ApplicationError) as err:
        submit(citizen, pension_bundle, merged, uploads=files)
    assert set(err.value.field_errors) == {f"material_{material_key(merged, PHOTO_MATERIAL)}"}
    assert not BundleCase.objects.exists()
    assert Case.objects.count() == cases_before
    assert not CaseMaterial.objects.exists()
    assert Notice.objects.count() == notices_before
    assert _stored_files() == []


def test_every_mistake_of_every_child_comes_back_at_once_on_the_merged_form(
    citizen: User, pension_bundle: Bundle, merged: MergedForm
) -> None:
    bank_key, photo_key = material_key(merged, BANK_MATERIAL), material_key(merged, PHOTO_MATERIAL)
    data = form_data(citizen, merged, bank_account="", phone="12345", allowance="", unknown_field="x")
    files: dict[int, Any] = {bank_key: [SimpleUploadedFile("bank.pdf", EXE, content_type="application/pdf")]}
    with translation.override("en"), pytest.raises(ApplicationError) as err:
        submit(citizen, pension_bundle, merged, data=data, uploads=files)
    errors = err.value.field_errors
    assert err.value.code == "invalid_application"
    # A field two or three items complain about is named once, with each message once.
    assert len(errors["bank_account"]) == 1
    assert len(errors["phone"]) == 1
    assert "allowance" in errors
    assert f"material_{bank_key}" in errors and "executable" in errors[f"material_{bank_key}"][0]
    assert f"material_{photo_key}" in errors
    assert any("unknown_field" in e for e in errors["__all__"])
    # Every key names something of the merged form.
    fields = set(merged.schema["properties"]) | {f"material_{m.key}" for m in merged.materials} | {"__all__"}
    assert set(errors) <= fields
    assert not BundleCase.objects.exists() and not CaseMaterial.objects.exists()
    assert _stored_files() == []


def test_the_same_key_again_returns_the_first_parent_and_other_content_is_a_conflict(
    citizen: User, pension_bundle: Bundle, merged: MergedForm
) -> None:
    first = submit(citizen, pension_bundle, merged, idempotency_key="same")
    again = submit(citizen, pension_bundle, merged, idempotency_key="same")
    assert again.pk == first.pk and getattr(again, "replayed", False)
    assert BundleCase.objects.count() == 1 and BundleChild.objects.count() == 3
    with pytest.raises(ConflictError):
        submit(
            citizen,
            pension_bundle,
            merged,
            idempotency_key="same",
            data=form_data(citizen, merged, bank_account="6222020000000000002"),
        )


def test_a_withdrawn_bundle_cannot_be_applied_for(citizen: User, pension_bundle: Bundle, merged: MergedForm) -> None:
    services.bundle_withdraw(actor=None, bundle=pension_bundle)
    pension_bundle.refresh_from_db()
    with pytest.raises(ApplicationError) as err:
        submit(citizen, pension_bundle, merged)
    assert err.value.code == "bundle_not_published"


def test_only_a_window_clerk_submits_for_someone_else(
    citizen: User, other_citizen: User, pension_bundle: Bundle, merged: MergedForm
) -> None:
    with pytest.raises(PermissionDenied):
        services.bundle_submit(
            actor=citizen, bundle=pension_bundle, data=form_data(citizen, merged), applicant=other_citizen
        )


def test_the_district_window_clerk_enters_a_bundle_for_a_citizen(
    clerk: User, citizen: User, pension_bundle: Bundle, merged: MergedForm
) -> None:
    parent = services.window_bundle_submit(
        actor=clerk,
        bundle=pension_bundle,
        applicant_details={"kind": "citizen", "id_number": citizen.id_number},
        data=form_data(citizen, merged),
        uploads={},
        idempotency_key="w1",
    )
    assert (parent.applicant, parent.submitted_by, parent.channel) == (citizen, clerk, "window")
    children = Case.objects.filter(bundle_child__parent=parent)
    assert children.count() == 3
    assert set(children.values_list("channel", flat=True)) == {"window"}
    assert set(children.values_list("submitted_by", flat=True)) == {clerk.pk}


def test_a_window_clerk_without_a_role_for_every_department_is_refused(
    rsj_clerk: User, citizen: User, pension_bundle: Bundle, merged: MergedForm
) -> None:
    cases_before = Case.objects.count()
    with translation.override("zh-hans"), pytest.raises(PermissionDenied) as err:
        services.window_bundle_submit(
            actor=rsj_clerk,
            bundle=pension_bundle,
            applicant_details={"kind": "citizen", "id_number": citizen.id_number},
            data=form_data(citizen, merged),
        )
    assert "江海区民政局" in str(err.value) and "人力资源" not in str(err.value)
    denied = AuditEvent.objects.get(action="access.denied", actor=rsj_clerk)
    assert denied.summary["departments"] == ["mzj"]
    assert Case.objects.count() == cases_before and not BundleCase.objects.exists()
    # The service refuses the same way when called directly.
    with pytest.raises(PermissionDenied):
        services.bundle_submit(
            actor=rsj_clerk,
            bundle=pension_bundle,
            data=form_data(citizen, merged),
            channel="window",
            applicant=citizen,
        )
