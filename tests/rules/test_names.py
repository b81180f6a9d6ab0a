"""Names staff type: control and invisible characters refused, spaces folded, lengths counted."""

from __future__ import annotations

import pytest

from bot.rules.names import InvalidName, check_name, has_control_characters


@pytest.mark.parametrize(("text", "expected"), [
    ("北京示例科技有限公司", "北京示例科技有限公司"),
    ("  北京  示例 ", "北京 示例"),
    ("=HYPERLINK(\"http://x\")", "=HYPERLINK(\"http://x\")"),  # allowed here; exports escape it
    ("Acme 北京·分公司", "Acme 北京·分公司"),
])
def test_accepted(text: str, expected: str) -> None:
    assert check_name(text, what="单位名称", min_len=2, max_len=100) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("北京\n示例", "单位名称不能包含换行、制表符或其他控制字符，请重新输入。"),
    ("北京\t示例", "单位名称不能包含换行、制表符或其他控制字符，请重新输入。"),
    ("北京\x00示例", "单位名称不能包含换行、制表符或其他控制字符，请重新输入。"),
    ("北京\u202e示例", "单位名称不能包含换行、制表符或其他控制字符，请重新输入。"),  # right-to-left override
    ("北京\u200b示例", "单位名称不能包含换行、制表符或其他控制字符，请重新输入。"),  # zero-width space
    ("北京\u2028示例", "单位名称不能包含换行、制表符或其他控制字符，请重新输入。"),
    ("北", "单位名称至少2个字，请重新输入。"),
    ("   ", "单位名称不能为空，请重新输入。"),
    ("字" * 101, "单位名称最多100个字，请重新输入。"),
])
def test_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidName) as caught:
        check_name(text, what="单位名称", min_len=2, max_len=100)
    assert caught.value.message == message


def test_has_control_characters() -> None:
    assert not has_control_characters("张三 Li·Lei")
    assert has_control_characters("张三\r")
