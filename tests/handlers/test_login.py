"""Logging in, the one-time password, lockout and logging out, through the real Application."""

from __future__ import annotations

from bot.clock import ManualClock
from bot.harness import Harness
from bot.storage import repo
from tests.support.clerks import logged_in, make_unit


async def test_start_shows_guest_welcome_and_commands_are_published(harness: Harness) -> None:
    user = harness.user(1001)
    reply = await user.command("start")
    assert "请先使用本单位的预约账户登录" in reply.text
    assert reply.labels == ["登录"]
    # not logged in: the guest menu, /login but no /logout
    commands = {c["command"] for c in harness.api.commands["all_private_chats"]}
    assert commands == {"start", "login", "help"}


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


# ---------------------------------------------------------------- audit


def _deleted(h: Harness, chat_id: int, text: str) -> bool:
    """Whether every message of the user with exactly ``text`` was deleted."""
    found = [m for m in h.api.messages_in(chat_id, include_deleted=True) if not m.from_bot and m.text == text]
    return bool(found) and all(m.deleted for m in found)


async def test_a_password_that_looks_like_a_command_or_is_too_long_is_deleted(harness: Harness) -> None:
    await make_unit(harness, password="/Start-Pass-1")
    user = harness.user(1001)
    await user.command("login")
    await user.send("acme")
    reply = await user.send("p" * 600)
    assert "过长" in reply.text and reply.text.endswith("请输入密码（发送后您的密码消息会被立即删除）：")
    assert _deleted(harness, 1001, "p" * 600)
    reply = await user.send("/Start-Pass-1")  # taken as the password, not as an unknown command
    assert _deleted(harness, 1001, "/Start-Pass-1")
    assert "设置本单位的新密码" in reply.text
    reply = await user.send("/Own-Password-9")
    assert "请再次输入新密码" in reply.text and _deleted(harness, 1001, "/Own-Password-9")
    reply = await user.send("/Own-Password-9")
    assert "新密码已设置" in reply.text
    assert not any("Pass" in (m.text or "") or "Password" in (m.text or "")
                   for m in harness.api.messages_in(1001))


async def test_the_lock_covers_the_username_and_the_telegram_user(harness: Harness, clock: ManualClock) -> None:
    await make_unit(harness)
    await make_unit(harness, "beta", "北京另一家公司")
    guesser = harness.user(1001)
    await guesser.command("login")
    await guesser.send("acme")
    for _ in range(5):
        reply = await guesser.send("wrong-password")
    assert "登录已暂停15分钟" in reply.text
    # the same Telegram user, another username: locked too
    await guesser.command("login")
    await guesser.send("beta")
    reply = await guesser.send("Start-Pass-1")
    assert "登录已暂停15分钟" in reply.text
    # another Telegram user, the locked username, the right password: locked too
    clerk = harness.user(1002)
    await clerk.command("login")
    await clerk.send("ACME")
    reply = await clerk.send("Start-Pass-1")
    assert "登录已暂停15分钟" in reply.text
    async with harness.deps.db.read() as conn:
        assert await repo.get_tg_user(conn, 1001) is None  # the guesser was never bound to anything
    # another username for that other user is not locked
    await clerk.command("login")
    await clerk.send("beta")
    reply = await clerk.send("Start-Pass-1")
    assert "设置本单位的新密码" in reply.text
    clock.advance(minutes=15)
    await guesser.command("login")
    await guesser.send("acme")
    reply = await guesser.send("Start-Pass-1")
    assert "设置本单位的新密码" in reply.text


async def test_own_password_rules_and_every_password_message_is_deleted(harness: Harness) -> None:
    await make_unit(harness, "acme-corp")
    user = harness.user(1001)
    await user.command("login")
    await user.send("acme-corp")
    await user.send("Start-Pass-1")
    reply = await user.send("ACME-CORP")
    assert "不能与用户名相同" in reply.text and reply.text.endswith("请输入新密码：")
    reply = await user.send("aaaaaaaaaa")
    assert "同一个字符" in reply.text
    await user.send("Own-Password-9")
    reply = await user.send("Own-Password-8")
    assert "两次输入的密码不一致" in reply.text
    await user.send("Own-Password-7")
    reply = await user.send("Own-Password-7")
    assert "新密码已设置" in reply.text
    for typed in ("Start-Pass-1", "ACME-CORP", "aaaaaaaaaa", "Own-Password-9", "Own-Password-8", "Own-Password-7"):
        assert _deleted(harness, 1001, typed), typed
    # the one-time password is spent; the own one works
    other = harness.user(1002)
    await other.command("login")
    await other.send("acme-corp")
    assert "用户名或密码错误" in (await other.send("Start-Pass-1")).text
    reply = await other.send("Own-Password-7")
    assert "登录成功" in reply.text and "业务预约" in reply.labels


async def test_a_restart_while_confirming_the_new_password_asks_for_it_again(harness: Harness) -> None:
    """The new password waits for its confirmation in memory only: after a restart it is asked again."""
    await make_unit(harness)
    user = harness.user(1001)
    await user.command("login")
    await user.send("acme")
    await user.send("Start-Pass-1")
    await user.send("Own-Password-9")
    await harness.restart()
    reply = await user.send("Own-Password-9")
    assert reply.text.endswith("请输入新密码：") and "期间服务曾重启" in reply.text
    await user.send("Own-Password-9")
    assert "新密码已设置" in (await user.send("Own-Password-9")).text
    async with harness.deps.db.read() as conn:
        assert not (await repo.get_tg_user(conn, 1001)).must_set_password


async def test_logout_unbinds_and_the_menu_asks_to_log_in(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    user = harness.user(1001)
    await user.command("logout")
    async with harness.deps.db.read() as conn:
        assert (await repo.get_tg_user(conn, 1001)).unit_id is None
        assert [e.action for e in await repo.history(conn, "unit", unit_id)][-1] == "logout"
    reply = await user.command("book")
    assert reply.text == "您尚未登录。请先使用 /login 以本单位的预约账户登录。" and reply.labels == ["登录"]
    assert "您当前未登录任何单位" in (await user.command("logout")).text
