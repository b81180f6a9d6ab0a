"""Logging in, the one-time password, lockout and logging out, through the real Application."""

from __future__ import annotations

from bot.clock import ManualClock
from bot.harness import Harness
from bot.storage import repo
from tests.handlers.conftest import logged_in, make_unit


async def test_start_shows_guest_welcome_and_commands_are_published(harness: Harness) -> None:
    user = harness.user(1001)
    reply = await user.command("start")
    assert "请先使用本单位的预约账户登录" in reply.text
    assert reply.labels == ["登录"]
    commands = {c["command"] for c in harness.api.commands["all_private_chats"]}
    assert {"start", "login", "logout", "book", "my", "history", "me", "help", "cancel"} <= commands


async def test_login_with_one_time_password_then_own_password(harness: Harness) -> None:
    unit_id = await make_unit(harness)
    user = harness.user(1001)
    assert "用户名" in (await user.command("login")).text
    assert "密码" in (await user.send("acme")).text
    before = len(harness.api.messages_in(1001, include_deleted=True))
    reply = await user.send("Start-Pass-1")
    pw_message = harness.api.messages_in(1001, include_deleted=True)[before]
    assert pw_message.text == "Start-Pass-1" and pw_message.deleted
    assert "设置本单位的新密码" in reply.text
    # a too-short password is refused with the reason, the same question again
    reply = await user.send("short")
    assert "至少8位" in reply.text and "请输入新密码" in reply.text
    await user.send("Own-Password-9")
    reply = await user.send("Own-Password-9")
    assert "新密码已设置" in reply.text
    assert "业务预约" in reply.labels
    assert not any(m.text and "Password" in m.text for m in harness.api.messages_in(1001))
    async with harness.deps.db.read() as conn:
        tg = await repo.get_tg_user(conn, 1001)
        unit = await repo.get_unit(conn, unit_id)
    assert tg.unit_id == unit_id and not tg.must_set_password
    assert not unit.password_temporary


async def test_one_time_password_works_once(harness: Harness) -> None:
    await make_unit(harness)
    first = harness.user(1001)
    await first.command("login")
    await first.send("acme")
    await first.send("Start-Pass-1")
    second = harness.user(1002)
    await second.command("login")
    await second.send("acme")
    reply = await second.send("Start-Pass-1")
    assert "用户名或密码错误" in reply.text


async def test_must_set_password_gates_everything(harness: Harness) -> None:
    await make_unit(harness)
    user = harness.user(1001)
    await user.command("login")
    await user.send("acme")
    await user.send("Start-Pass-1")
    reply = await user.command("start")
    assert "请先设置本单位的新密码" in reply.text
    reply = await user.press("设置新密码")
    assert "请输入新密码" in reply.text


async def test_five_wrong_passwords_lock_for_15_minutes(harness: Harness, clock: ManualClock) -> None:
    await make_unit(harness)
    user = harness.user(1001)
    await user.command("login")
    await user.send("acme")
    for remaining in (4, 3, 2, 1):
        reply = await user.send("wrong-password")
        assert f"还可尝试{remaining}次" in reply.text
    reply = await user.send("wrong-password")
    assert "登录已暂停15分钟" in reply.text and "10:15" in reply.text
    clock.advance(minutes=14)
    await user.command("login")
    await user.send("acme")
    reply = await user.send("Start-Pass-1")
    assert "登录已暂停15分钟" in reply.text
    clock.advance(minutes=1)
    await user.command("login")
    await user.send("acme")
    reply = await user.send("Start-Pass-1")
    assert "设置本单位的新密码" in reply.text


async def test_bad_input_at_login_steps(harness: Harness) -> None:
    user = harness.user(1001)
    await user.command("login")
    reply = await user.send_sticker()
    assert "请直接输入文字" in reply.text and "用户名" in reply.text
    reply = await user.send("x" * 600)
    assert "过长" in reply.text and "用户名" in reply.text
    reply = await user.send("bad name with spaces!")
    assert "用户名格式不正确" in reply.text


async def test_logout_and_cancel(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    assert "北京示例科技有限公司" in (await user.command("start")).text
    assert "已退出登录" in (await user.command("logout")).text
    assert "请先使用本单位的预约账户登录" in (await user.command("start")).text
    await user.command("login")
    assert "已退出当前操作" in (await user.command("cancel")).text
    assert "当前没有进行中的操作" in (await user.command("cancel")).text


async def test_group_chat_answered_once(harness: Harness) -> None:
    member = harness.user(1001, chat_id=-100500, chat_type="group")
    await member.command("start")
    await member.send("你好")
    texts = member.texts()
    assert len(texts) == 1 and "私聊" in texts[0]


async def test_unknown_text_and_stale_button(harness: Harness) -> None:
    user = harness.user(1001)
    reply = await user.send("随便说点什么")
    assert "没有理解" in reply.text
    await user.press_data("bk:add:new")
    answer = user.answer_of_last_press()
    assert "已失效" in answer.get("text", "")


async def test_not_bookable_business_is_explained(harness: Harness) -> None:
    user = harness.user(1001)
    reply = await user.send("请问工作居住证开户怎么预约？")
    assert "不需要预约" in reply.text and "北京市工作居住证管理系统" in reply.text
    reply = await user.send("单位跨区信息变更在哪里约")
    assert "不需要预约" in reply.text
