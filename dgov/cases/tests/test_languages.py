"""Every page of applications reads in Chinese by default and in English on request."""

from __future__ import annotations

from typing import Any

import pytest

from dgov.accounts.models import User
from dgov.cases.tests.conftest import submit
from dgov.catalog.models import ServiceItem

# (who, path template, a Chinese phrase, its English counterpart)
PAGES = [
    ("enterprise", "/cases/apply/{code}/", "提交申请", "Submit application"),
    ("enterprise", "/cases/mine/", "我的办件", "My cases"),
    ("enterprise", "/cases/mine/{case}/", "办理进度", "Progress"),
    ("enterprise", "/cases/{case}/receipt/", "受理回执", "Application receipt"),
    ("clerk", "/cases/work/", "待办", "Department queue"),
    ("clerk", "/cases/work/cases/", "全部办件", "All cases"),
    ("clerk", "/cases/work/cases/{case}/", "完成本环节", "Complete this step"),
    ("clerk", "/cases/window/", "综合窗口", "Comprehensive window"),
    ("clerk", "/cases/window/{code}/", "申请人", "Who is applying"),
    (None, "/cases/lookup/", "办件查询", "Look up a case"),
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("who", "path", "chinese", "english"), PAGES)
def test_pages_speak_the_reader_s_language(
    language: str,
    who: str | None,
    path: str,
    chinese: str,
    english: str,
    enterprise: User,
    food_item: ServiceItem,
    login: Any,
    client: Any,
) -> None:
    case = submit(enterprise, food_item)
    if who is not None:
        client = login(User.objects.get(username=who))
    client.cookies["django_language"] = language
    response = client.get(path.format(code=food_item.code, case=case.pk))
    html = response.content.decode()
    assert response.status_code == 200
    if language == "en":
        assert '<html lang="en"' in html and english in html
    else:
        assert '<html lang="zh-Hans"' in html and chinese in html
