"""A department administrator may upload the seal's picture instead of having it drawn; the upload is
checked by content, and a department whose name is too long to draw needs one."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dgov.accounts.models import Department, User
from dgov.licences import services
from dgov.licences.models import Seal


def _png(size: tuple[int, int] = (300, 300)) -> bytes:
    out = BytesIO()
    Image.new("RGBA", size, (215, 0, 15, 255)).save(out, format="PNG")
    return out.getvalue()


def test_an_uploaded_png_becomes_the_seal_picture(scjg_admin: User, login: Any) -> None:
    picture = _png()
    client = login(scjg_admin)
    scjg = Department.objects.get(code="scjg")
    response = client.post(
        "/licences/work/seals/new/",
        {
            "department": scjg.pk,
            "name": f"{scjg.name}公章",
            "kind": Seal.Kind.OFFICIAL,
            "valid_from": "2026-11-27",
            "valid_until": "2031-11-26",
            "picture": SimpleUploadedFile("seal.png", picture, content_type="image/png"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    seal = Seal.objects.get(department=scjg, kind=Seal.Kind.OFFICIAL)
    assert bytes(seal.image_png) == picture


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00" + b"\x00" * 200,  # an executable named .png
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # a PNG signature and nothing behind it
        _png((32, 32)),  # too small to be a seal
        b"\x89PNG\r\n\x1a\n" + b"\x00" * (services.SEAL_PICTURE_MAX_BYTES + 1),  # too large
    ],
)
def test_a_bad_picture_is_refused_and_nothing_is_made(content: bytes, scjg_admin: User, login: Any) -> None:
    scjg = Department.objects.get(code="scjg")
    before = Seal.objects.count()
    response = login(scjg_admin).post(
        "/licences/work/seals/new/",
        {
            "department": scjg.pk,
            "name": f"{scjg.name}公章",
            "kind": Seal.Kind.OFFICIAL,
            "valid_from": "2026-11-27",
            "valid_until": "2031-11-26",
            "picture": SimpleUploadedFile("seal.png", content, content_type="image/png"),
        },
    )
    assert response.status_code == 400
    assert 'id="id_picture"' in response.content.decode() and "error" in response.content.decode()
    assert Seal.objects.count() == before


def test_a_name_too_long_to_draw_asks_for_a_picture(scjg_admin: User) -> None:
    scjg = Department.objects.get(code="scjg")
    Department.objects.filter(pk=scjg.pk).update(name="江门市江海区市场监督管理局（知识产权局）综合行政执法大队")
    scjg.refresh_from_db()
    with pytest.raises(services.LicenceError) as refused:
        services.seal_create(actor=scjg_admin, department=scjg, name=f"{scjg.name}公章", kind=Seal.Kind.OFFICIAL)
    assert "picture" in refused.value.field_errors
    seal = services.seal_create(
        actor=scjg_admin, department=scjg, name=f"{scjg.name}公章", kind=Seal.Kind.OFFICIAL, image_png=_png()
    )
    assert seal.keys.filter(retired_at__isnull=True).count() == 1
