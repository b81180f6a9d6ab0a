"""/units through the real Application: create, CSV import, rename, reset password, unbind."""

from __future__ import annotations

import csv
import io
import logging
import re

import pytest

from bot.fake_telegram import FakeUser
from bot.harness import Harness
from bot.storage import repo
from tests.support.clerks import logged_in, make_unit

ADMIN = 900001


def otp_in(text: str) -> str:
    """The one-time password shown in a staff message."""
    match = re.search(r"一次性密码：(\S+)", text)
    assert match, text
    return match.group(1)


async def login(user: FakeUser, username: str, password: str) -> str:
    """Log in; returns the reply to the password."""
    await user.command("login")
    await user.send(username)
    reply = await user.send(password)
    assert reply is not None
    return reply.text or ""


async def open_unit(staff: FakeUser, query: str, label: str) -> None:
    """Search for a unit and open its card."""
    reply = await staff.command("units", query)
    assert "相关的单位" in reply.text
    reply = await staff.press(label)
    assert "用户名：" in reply.text


async def test_create_unit_shows_the_one_time_password_once(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    await make_unit(harness, "taken", "北京已有科技有限公司")
    staff = harness.user(ADMIN)
    reply = await staff.command("units")
    assert reply.labels == ["新建单位", "导入表格"]
    assert "用户名" in (await staff.press("新建单位")).text
    reply = await staff.send("bad name!")
    assert "3–32位" in reply.text and "请输入用户名" in reply.text
    reply = await staff.send("taken")
    assert "已存在" in reply.text
    assert "单位名称" in (await staff.send("newco")).text
    reply = await staff.send("北")
    assert "2–100" in reply.text
    reply = await staff.send("北京新建科技有限公司")
    assert "单位账户已创建" in reply.text and "仅显示这一次" in reply.text
    password = otp_in(reply.text)
    assert len(password) == 10
    assert sum(password in (m.text or "") for m in harness.api.messages.values()) == 1
    assert password not in caplog.text

    async with harness.deps.db.read() as conn:
        unit = await repo.get_unit_by_username(conn, "newco")
        assert unit is not None
        history = await repo.history(conn, "unit", unit.id)
    assert unit.name == "北京新建科技有限公司" and unit.password_temporary
    assert unit.password_hash.startswith("$argon2") and password not in unit.password_hash
    assert [(e.actor, e.action) for e in history] == [(f"tg:{ADMIN}", "create")]
    assert password not in (history[0].after or "")

    clerk = harness.user(1001)
    assert "设置本单位的新密码" in await login(clerk, "newco", password)


async def test_csv_import_good_file_sends_the_passwords_back_as_a_file(harness: Harness) -> None:
    staff = harness.user(ADMIN)
    await staff.command("units")
    reply = await staff.press("导入表格")
    assert "username,name,password" in reply.text
    reply = await staff.send("这不是文件")
    assert "以文件形式" in reply.text and "请上传 Excel（.xlsx）或 CSV" in reply.text
    content = "username,name,password\r\nalpha,北京甲科技有限公司,\r\nbeta,北京乙科技有限公司,Given-Pass-1\r\n"
    await staff.send_document(("\ufeff" + content).encode("utf-8"), "units.csv")
    messages = staff.new_messages()
    assert any("已导入2个单位" in (m.text or "") for m in messages)
    document = staff.last
    assert document.document is not None and document.document[0].endswith(".csv")
    assert "仅发送这一次" in (document.caption or "")
    rows = list(csv.reader(io.StringIO(document.document[1].decode("utf-8-sig"))))
    assert rows[0] == ["username", "name", "password"]
    passwords = {r[0]: r[2] for r in rows[1:]}
    assert set(passwords) == {"alpha", "beta"} and passwords["beta"] == "Given-Pass-1"
    assert all(passwords["alpha"] not in (m.text or "") for m in harness.api.messages.values())
    async with harness.deps.db.read() as conn:
        assert await repo.existing_usernames(conn, ["alpha", "beta"]) == {"alpha", "beta"}
    assert "设置本单位的新密码" in await login(harness.user(1001), "alpha", passwords["alpha"])


async def test_csv_import_bad_file_reports_each_line_and_imports_nothing(harness: Harness) -> None:
    await make_unit(harness, "taken", "北京已有科技有限公司")
    staff = harness.user(ADMIN)
    await staff.command("units")
    await staff.press("导入表格")
    content = (
        "username,name,password\n"
        "good1,北京好一科技有限公司,\n"  # line 2
        "bad name,北京坏科技有限公司,\n"  # line 3: username
        "good2,北京好二科技有限公司,short\n"  # line 4: password too short
        "taken,北京重名科技有限公司,\n"  # line 5: exists
        "good1,北京重复科技有限公司,\n"  # line 6: duplicate of line 2
    )
    reply = await staff.send_document(content.encode(), "units.csv")
    assert "4处错误" in reply.text and "未导入任何单位" in reply.text
    for line in (3, 4, 5, 6):
        assert f"第{line}行" in reply.text
    assert "\n第2行" not in reply.text and "第6行：用户名与第2行重复" in reply.text
    async with harness.deps.db.read() as conn:
        assert await repo.existing_usernames(conn, ["good1", "good2"]) == set()
    # still waiting for a file: a corrected one (saved by Excel as GB18030) goes through
    fixed = "username,name,password\ngood1,北京好一科技有限公司,\ngood2,北京好二科技有限公司,Long-Enough-1\n"
    await staff.send_document(fixed.encode("gb18030"), "units.csv")
    assert staff.last.document is not None
    async with harness.deps.db.read() as conn:
        assert await repo.existing_usernames(conn, ["good1", "good2"]) == {"good1", "good2"}
        unit = await repo.get_unit_by_username(conn, "good1")
    assert unit is not None and unit.name == "北京好一科技有限公司"


async def test_rename_tells_the_clerks_who_see_the_new_name(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    clerk = harness.user(1001)
    clerk.new_messages()
    staff = harness.user(ADMIN)
    await open_unit(staff, "acme", "北京示例科技有限公司（acme）")
    reply = await staff.press("改名")
    assert "当前名称：北京示例科技有限公司" in reply.text
    reply = await staff.send("x")
    assert "2–100" in reply.text
    reply = await staff.send("北京新名称科技有限公司")
    assert "已将单位名称变更为：北京新名称科技有限公司" in reply.text
    told = clerk.new_messages()
    assert len(told) == 1 and "北京新名称科技有限公司" in told[0].text and "北京示例科技有限公司" in told[0].text
    assert "北京新名称科技有限公司" in (await clerk.command("start")).text
    async with harness.deps.db.read() as conn:
        unit = await repo.get_unit(conn, unit_id)
        history = await repo.history(conn, "unit", unit_id)
    assert unit is not None and unit.name == "北京新名称科技有限公司"
    assert history[-1].action == "rename" and history[-1].actor == f"tg:{ADMIN}"


async def test_reset_password_unbinds_and_tells_every_clerk(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    second = harness.user(1002)
    assert "登录成功" in await login(second, "acme", "Own-Password-9")
    first = harness.user(1001)
    first.new_messages(), second.new_messages()
    staff = harness.user(ADMIN)
    await open_unit(staff, "北京示例", "北京示例科技有限公司（acme）")
    reply = await staff.press("重置密码")
    assert "解除该单位全部2名经办人" in reply.text
    reply = await staff.press("确认重置")
    assert "仅显示这一次" in reply.text and "解除了2名经办人" in reply.text
    password = otp_in(reply.text)
    for clerk in (first, second):
        assert [m.text for m in clerk.new_messages()] == ["您的单位账户密码已由中心重置，请使用新密码重新登录"]
    async with harness.deps.db.read() as conn:
        assert await repo.clerks_of_unit(conn, unit_id) == []
        history = await repo.history(conn, "unit", unit_id)
    assert history[-1].action == "reset_password"
    assert "用户名或密码错误" in await login(first, "acme", "Own-Password-9")
    assert "设置本单位的新密码" in await login(second, "acme", password)


async def test_unbind_one_clerk(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    second = harness.user(1002)
    await login(second, "acme", "Own-Password-9")
    second.new_messages()
    staff = harness.user(ADMIN)
    await open_unit(staff, "acme", "（acme）")
    reply = await staff.press("解绑经办人（2）")
    assert reply.labels[:2] == ["解绑 1：经办人", "解绑 2：经办人"] and "1001" not in " ".join(reply.labels)
    old_list = staff.last
    reply = await staff.press("解绑 2：经办人")
    assert reply.labels[:2] == ["解绑 1：经办人", "返回单位"]
    told = second.new_messages()
    assert len(told) == 1 and "解除您与“北京示例科技有限公司”" in told[0].text
    async with harness.deps.db.read() as conn:
        assert [c.user_id for c in await repo.clerks_of_unit(conn, unit_id)] == [1001]
        history = await repo.history(conn, "unit", unit_id)
    assert (history[-1].action, history[-1].actor) == ("unbind", f"tg:{ADMIN}")
    assert "请先使用本单位的预约账户登录" in (await second.command("start")).text
    # the same button again (an old message): nothing happens, the staff member is told
    await staff.press_data(f"st:uunbind:{unit_id}:1002", old_list)
    assert "不再绑定" in staff.answer_of_last_press().get("text", "")


async def test_units_refused_to_clerks(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    clerk = harness.user(1001)
    reply = await clerk.command("units")
    assert "没有理解" in reply.text
    await clerk.press_data(f"st:uresetok:{unit_id}")
    assert "失效" in clerk.answer_of_last_press().get("text", "")
    async with harness.deps.db.read() as conn:
        assert [c.user_id for c in await repo.clerks_of_unit(conn, unit_id)] == [1001]


async def test_one_time_passwords_never_reach_the_log_at_debug(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """With the bot's own logging set up at DEBUG, no one-time password (created, imported
    or reset) appears in any log record, PTB's request logging included."""
    from bot.__main__ import QUIET_LOGGERS, setup_logging

    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    caplog.set_level(logging.DEBUG)
    setup_logging(harness.settings.model_copy(update={"bot_log_level": "DEBUG"}))
    try:
        staff = harness.user(ADMIN)
        await staff.command("units")
        await staff.press("新建单位")
        await staff.send("logco")
        created = otp_in((await staff.send("北京日志科技有限公司")).text)
        await staff.command("units")
        await staff.press("导入表格")
        await staff.send_document("username,name\nimpco,北京导入科技有限公司\n".encode(), "units.csv")
        [document] = [m for m in staff.bot_messages() if m.document]
        imported = list(csv.reader(io.StringIO(document.document[1].decode("utf-8-sig"))))[1][2]
        await open_unit(staff, "logco", "北京日志科技有限公司")
        await staff.press("重置密码")
        reset = otp_in((await staff.press("确认重置")).text)
        clerk = harness.user(1001)
        assert "设置本单位的新密码" in await login(clerk, "logco", reset)
        assert logging.getLogger("bot.handlers.staff.units").isEnabledFor(logging.DEBUG)
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    assert caplog.records
    for password in (created, imported, reset):
        assert len(password) == 10
        assert password not in caplog.text
        assert all(password not in str(r.args) for r in caplog.records)
