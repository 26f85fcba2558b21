"""The pages this capability added read in Chinese by default and in English on request, and in
elder mode: the rules' decision on a case, who used my data, the credit lists, the decision-table
console and the decision records."""

from __future__ import annotations

from typing import Any

import pytest

from dgov.accounts.models import User
from dgov.cases.tests.test_instant import ALLOWANCE, ELDER_ID, apply, person

# (who, path template, a Chinese phrase, its English counterpart)
PAGES = [
    ("elder", "/cases/mine/{case}/", "按公开规则判定", "Decided by the published rules"),
    ("elder", "/registries/my-reads/", "谁用了我的数据", "Who used my data"),
    ("approver", "/credit/", "信用红黑名单", "Credit lists"),
    ("admin", "/workflow/decisions/", "决策表", "Decision tables"),
    ("auditor", "/workflow/decisions/records/", "决策记录", "Decision records"),
]


@pytest.mark.parametrize("elder_mode", [False, True])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("who", "path", "chinese", "english"), PAGES)
def test_the_new_pages_speak_the_reader_s_language_in_both_display_modes(
    elder_mode: bool, language: str, who: str, path: str, chinese: str, english: str, jianghai: None, login: Any
) -> None:
    elder = person("elder", ELDER_ID, "梁桂英")
    case = apply(elder, "高龄津贴申领", **ALLOWANCE)  # approved by the rules: a decision record exists
    reader = User.objects.get(username=who)
    User.objects.filter(pk=reader.pk).update(elder_mode=elder_mode)
    client = login(User.objects.get(pk=reader.pk))
    client.cookies["django_language"] = language
    response = client.get(path.format(case=case.pk))
    html = response.content.decode()
    assert response.status_code == 200
    if language == "en":
        assert '<html lang="en"' in html and english in html
    else:
        assert '<html lang="zh-Hans"' in html and chinese in html
    assert ('<body class="elder"' in html) is elder_mode
