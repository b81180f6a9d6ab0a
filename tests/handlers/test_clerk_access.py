"""Issue 10 items 8, 10 and 11 through the real Application: no dead end in logging in or
out, menus by login state, deep links, the bot's description, how the centre helps."""

from __future__ import annotations

from datetime import date

from bot.harness import Harness
from bot.storage import repo
from tests.support.clerks import filled_booking, logged_in, make_unit

PHONE_LINE = "请致电中心（"


def menu_of(h: Harness, user_id: int) -> set[str] | None:
    """The commands a chat's menu shows (None: the guest default)."""
    found = h.api.commands.get(f"chat:{user_id}")
    return None if found is None else {c["command"] for c in found}


async def test_a_wrong_username_can_be_retyped_and_the_lock_out_says_how_to_recover(harness: Harness) -> None:
    await make_unit(harness)
    user = harness.user(1001)
    await user.command("login")
    reply = await user.send("acme2")
    assert reply is not None and "请输入密码" in reply.text and reply.labels == ["重新输入用户名"]
    reply = await user.send("Wrong-Pass-1")
    assert reply is not None and "用户名或密码错误" in reply.text and "忘记密码" in reply.text
    assert harness.settings.bot_centre_phone in reply.text and reply.labels == ["重新输入用户名"]
    reply = await user.press("重新输入用户名")
    assert reply is not None and "请输入本单位预约账户的用户名" in reply.text
    reply = await user.send("acme")
    for _ in range(4):  # one wrong password already: the 5th in all locks
        reply = await user.send("Wrong-Pass-1")
    assert reply is not None and "登录已暂停" in reply.text
    assert "忘记密码" in reply.text and harness.settings.bot_centre_phone in reply.text
    assert reply.labels == ["登录"]


async def test_logout_leaves_a_login_button_and_menus_follow_the_login_state(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    assert menu_of(harness, 1001) is not None and "logout" in menu_of(harness, 1001)  # type: ignore[operator]
    assert "login" not in menu_of(harness, 1001)  # type: ignore[operator]
    reply = await user.command("logout")
    assert reply is not None and "已退出登录" in reply.text and reply.labels == ["登录"]
    assert menu_of(harness, 1001) is None  # back to the guest default: /login, no /logout
    assert {c["command"] for c in harness.api.commands["all_private_chats"]} == {"start", "login", "help"}
    reply = await user.press("登录")
    assert reply is not None and "请输入本单位预约账户的用户名" in reply.text
    await user.send("acme")
    await user.send("Own-Password-9")
    assert "logout" in (menu_of(harness, 1001) or set())
    # 我的账户's 退出登录 does the same
    await user.command("me")
    await user.press("退出登录")
    reply = await user.press("确认退出")
    assert reply is not None and reply.labels == ["登录"] and menu_of(harness, 1001) is None


async def test_start_login_link_fills_in_the_username(harness: Harness) -> None:
    await make_unit(harness)
    user = harness.user(1001)
    reply = await user.command("start", "login_acme")
    assert reply is not None and "用户名：acme" in reply.text and "请输入密码" in reply.text
    assert reply.labels == ["重新输入用户名"]
    reply = await user.send("Start-Pass-1")
    assert reply is not None and "请立即设置本单位的新密码" in reply.text
    async with harness.deps.db.read() as conn:
        tg_user = await repo.get_tg_user(conn, 1001)
    assert tg_user is not None and tg_user.unit_id is not None


async def test_start_with_a_booking_code_opens_that_booking(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    booking = await filled_booking(harness, unit_id, date(2026, 12, 3))
    other_unit = await logged_in(harness, 1002, "beta", "北京贝塔咨询有限公司")
    assert other_unit != unit_id
    user = harness.user(1001)
    reply = await user.command("start", booking.code)
    assert reply is not None and f"预约编号：{booking.code}" in reply.text and "修改信息" in reply.labels
    assert reply.html is not None and f"<code>{booking.code}</code>" in reply.html  # tap to copy
    stranger = harness.user(1002)
    reply = await stranger.command("start", booking.code)
    assert reply is not None and "未找到该预约" in reply.text and booking.code not in reply.text


async def test_the_bot_describes_itself_and_says_what_only_the_centre_does(harness: Harness) -> None:
    assert "工作居住证" in harness.api.descriptions["description"]
    assert 0 < len(harness.api.descriptions["short_description"]) <= 120
    assert len(harness.api.descriptions["description"]) <= 512
    await logged_in(harness)
    user = harness.user(1001)
    phone = harness.settings.bot_centre_phone
    for command in ("help", "me"):
        reply = await user.command(command)
        assert reply is not None and "单位名称变更" in reply.text and "忘记密码" in reply.text
        assert phone in reply.text
    guest = harness.user(1009)
    reply = await guest.command("start")
    assert reply is not None and "忘记密码" in reply.text and phone in reply.text


async def test_link_previews_are_off_by_default(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    await user.command("help")
    await user.command("book")  # the notice, with the city system's address
    sent = harness.api.sent("sendMessage") + harness.api.sent("editMessageText")
    assert sent and all(c.params.get("link_preview_options") == {"is_disabled": True} for c in sent)
