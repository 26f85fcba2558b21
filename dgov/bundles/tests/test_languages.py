"""Every page of bundles reads in Chinese by default and in English on request."""

from __future__ import annotations

from typing import Any

import pytest

from dgov.accounts.models import User
from dgov.bundles.merging import MergedForm
from dgov.bundles.models import Bundle
from dgov.bundles.tests.conftest import submit

# (who, path template, a Chinese phrase, its English counterpart)
PAGES = [
    (None, "/bundles/", "同一件人生大事", "Several services for one life event"),
    (None, "/bundles/{code}/", "包含的事项", "Services in this bundle"),
    ("citizen", "/bundles/{code}/apply/", "每个问题只问一次", "Each question is asked once"),
    ("citizen", "/bundles/mine/", "我的一件事", "My bundle applications"),
    ("citizen", "/bundles/mine/{parent}/", "办理进度", "Progress"),
    ("citizen", "/bundles/receipt/{parent}/", "每个事项一个办件", "One case for each service"),
    ("clerk", "/bundles/window/", "综合窗口", "Comprehensive window"),
    ("clerk", "/bundles/window/{code}/", "申请人", "Who is applying"),
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("who", "path", "chinese", "english"), PAGES)
def test_pages_speak_the_reader_s_language(
    language: str,
    who: str | None,
    path: str,
    chinese: str,
    english: str,
    citizen: User,
    pension_bundle: Bundle,
    merged: MergedForm,
    login: Any,
    client: Any,
) -> None:
    parent = submit(citizen, pension_bundle, merged)
    if who is not None:
        client = login(User.objects.get(username=who))
    client.cookies["django_language"] = language
    response = client.get(path.format(code=pension_bundle.code, parent=parent.pk))
    html = response.content.decode()
    assert response.status_code == 200
    if language == "en":
        assert '<html lang="en"' in html and english in html
    else:
        assert '<html lang="zh-Hans"' in html and chinese in html
