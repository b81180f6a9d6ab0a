"""The staff guard: clerks can neither run staff commands nor press st: buttons; staff
added by an admin get the console (not /staffadmin) and their own command menu."""

from __future__ import annotations

from datetime import date

from bot import texts
from bot.handlers import menus
from bot.harness import Harness
from bot.rules.basket import BusinessType
from bot.storage import repo
from tests.support.clerks import logged_in

ADMIN = 900001
STAFF = 900002


async def _snapshot(h: Harness, booking_id: int, item_id: int) -> tuple[object, ...]:
    """Everything a forged staff button could change."""
    day = date(2026, 12, 2)
    async with h.deps.db.read() as conn:
        return (
            await repo.get_booking(conn, booking_id),
            await repo.get_item(conn, item_id),
            await repo.mismatch_times(conn, 1, "2026-12"),
            await repo.slot_usage(conn, [day]),
            await repo.closed_dates(conn, day, day),
            await repo.calendar_overrides(conn),
            await repo.confirmed_years(conn),
            await repo.list_staff(conn),
            len(await repo.history(conn, "booking", booking_id)),
        )


async def test_clerk_cannot_run_any_staff_command(harness: Harness) -> None:
    await logged_in(harness)
    clerk = harness.user(1001)
    for command in [*menus.STAFF_COMMANDS, *menus.ADMIN_COMMANDS]:
        for args in ("", "2026-12-02", "acme"):
            reply = await clerk.command(command.command, args)
            assert reply.text == texts.unknown_input(), (command.command, args, reply.text)
            assert "工作台" not in reply.text
    assert not [m for m in clerk.bot_messages() if m.document or m.photo]


async def test_clerk_cannot_press_forged_staff_buttons(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    booking = await harness.deps.bookings.book(
        unit_id=unit_id, user_id=1001, day=date(2026, 12, 2), session="am", counts={BusinessType.NEW: 1},
        contact_name="李四", contact_phone="13800138000",
    )
    item_id = (await harness.deps.bookings.items(booking.id))[0].id
    clerk = harness.user(1001)
    before = await _snapshot(harness, booking.id, item_id)
    seen = len(clerk.bot_messages())
    forged = [
        "st:menu", "st:day:20261202", f"st:bk:{booking.id}", f"st:item:{item_id}", f"st:hist:{booking.id}",
        f"st:unit:{unit_id}", "st:find", f"st:rv:{item_id}:pass", f"st:rv:{item_id}:fail",
        f"st:rv:{item_id}:mismatch", f"st:out:{booking.id}:serve", f"st:out:{booking.id}:no_show",
        f"st:rvk:{booking.id}", "st:cap:20261202", "st:capset:20261202:am", "st:capcl:20261202:am:1",
        "st:dclose:20261202", "st:dcloseok:20261202", "st:dopen:20261202", "st:cal:20261201", "st:calset",
        "st:caldel", "st:calkind:20261205:workday", "st:calyr:2027", "st:sa", "st:saadd", f"st:sarm:{ADMIN}",
        f"st:sarmok:{ADMIN}", "st:exp:20261202", "st:chart",
    ]
    for data in forged:
        await clerk.press_data(data)
        answered = clerk.answer_of_last_press()
        assert answered.get("text") == texts.STALE_BUTTON and answered.get("show_alert") is True, data
    assert len(clerk.bot_messages()) == seen
    # a typed text afterwards is not taken as an answer to a staff question
    reply = await clerk.send("100")
    assert reply.text == texts.unknown_input()
    assert await _snapshot(harness, booking.id, item_id) == before


async def test_staff_added_by_admin_use_the_console_but_not_staffadmin(harness: Harness) -> None:
    admin = harness.user(ADMIN)
    await admin.command("start")
    assert {c["command"] for c in harness.api.commands[f"chat:{ADMIN}"]} >= {"schedule", "staffadmin"}
    public = {c["command"] for c in harness.api.commands["all_private_chats"]}
    assert not public & {c.command for c in [*menus.STAFF_COMMANDS, *menus.ADMIN_COMMANDS]}
    member = harness.user(STAFF, "王工")
    assert (await member.command("schedule")).text == texts.unknown_input()

    reply = await admin.command("staffadmin")
    assert "管理员（配置文件）：管理员" in reply.text and "工作人员：暂无" in reply.text
    await admin.press("添加工作人员")
    reply = await admin.send("王工")
    assert "Telegram 用户ID" in reply.text
    reply = await admin.send(f"{STAFF} 王工")
    added, listing = admin.bot_messages()[-2:]
    assert "已添加工作人员 王工" in added.text and "· 王工" in listing.text and str(STAFF) not in listing.text
    async with harness.deps.db.read() as conn:
        assert await repo.list_staff(conn) == [(STAFF, "王工")]
        [line] = await repo.history(conn, "staff", STAFF)
    assert (line.actor, line.action) == (f"tg:{ADMIN}", "add_staff")
    menu = {c["command"] for c in harness.api.commands[f"chat:{STAFF}"]}
    assert {c.command for c in menus.STAFF_COMMANDS} <= menu and "staffadmin" not in menu

    reply = await member.command("schedule", "2026-12-02")
    assert "2026年12月2日（周三） 日程" in reply.text
    reply = await member.command("staff")
    assert "/staffadmin" not in reply.text and "工作人员管理" not in reply.labels
    assert (await member.command("staffadmin")).text == texts.unknown_input()
    await member.press_data("st:sa")
    assert member.answer_of_last_press().get("text") == texts.STALE_BUTTON
    await member.command("calendar")
    assert "确认2027年日历" not in member.last.labels
    await member.press_data("st:calyr:2027")
    assert member.answer_of_last_press().get("text") == texts.STALE_BUTTON
    async with harness.deps.db.read() as conn:
        assert await repo.confirmed_years(conn) == set()

    await admin.command("staffadmin")
    reply = await admin.press("移除 王工")
    assert "确认移除" in reply.labels
    reply = await admin.press("确认移除")
    assert "已移除工作人员 王工" in reply.text
    assert f"chat:{STAFF}" not in harness.api.commands
    assert (await member.command("schedule")).text == texts.unknown_input()
    async with harness.deps.db.read() as conn:
        assert await repo.list_staff(conn) == []


async def test_admins_cannot_be_added_or_removed(harness: Harness) -> None:
    admin = harness.user(ADMIN)
    await admin.command("staffadmin")
    await admin.press("添加工作人员")
    await admin.send(str(ADMIN))
    assert "该用户是管理员" in admin.bot_messages()[-2].text
    await admin.press_data(f"st:sarmok:{ADMIN}")
    assert "不能在此移除" in admin.answer_of_last_press().get("text", "")


async def test_staff_removed_mid_flow_cannot_finish_the_action(harness: Harness) -> None:
    """Removing a staff member ends their staff flows at once; a typed answer is refused."""
    admin = harness.user(ADMIN)
    async with harness.deps.db.write() as conn:
        await repo.add_staff(conn, STAFF, "王工", ADMIN, harness.clock.now())
    member = harness.user(STAFF, "王工")
    await member.command("units")
    await member.press("新建单位")
    await member.send("newunit")
    assert "单位名称" in member.last.text
    await admin.command("staffadmin")
    await admin.press("移除 王工")
    await admin.press("确认移除")
    reply = await member.send("北京新单位有限公司")
    assert reply.text == texts.unknown_input()
    async with harness.deps.db.read() as conn:
        assert await repo.get_unit_by_username(conn, "newunit") is None
        assert await repo.search_units(conn, "newunit") == []


async def test_a_text_step_refuses_someone_no_longer_staff(harness: Harness) -> None:
    """Even a flow state left behind (e.g. restored from an old database) is refused, and ended."""
    async with harness.deps.db.write() as conn:
        await repo.add_staff(conn, STAFF, "王工", ADMIN, harness.clock.now())
    member = harness.user(STAFF, "王工")
    await member.command("stats")
    async with harness.deps.db.write() as conn:
        await repo.remove_staff(conn, STAFF)
    reply = await member.send("2026-12-01 2026-12-07")
    assert reply.text == texts.unknown_input()
    reply = await member.send("2026-12-01 2026-12-07")
    assert reply.text == texts.unknown_input()
    await member.command("broadcast")  # refused: nothing asked
    assert member.last.text == texts.unknown_input()


async def test_clerk_cannot_press_forged_unit_broadcast_or_stats_buttons(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    clerk = harness.user(1001)
    seen = len(clerk.bot_messages())
    forged = [
        "st:umenu", "st:unew", "st:uimp", f"st:uview:{unit_id}", f"st:uren:{unit_id}", f"st:ureset:{unit_id}",
        f"st:uresetok:{unit_id}", f"st:uclerks:{unit_id}", f"st:uunbind:{unit_id}:1001", "st:baud:all",
        "st:baud:date", "st:bdate:20261202", "st:bback", "st:bsend", "st:bcancel", "st:srange:20261201:20261231",
        "st:scloseok:20261202:am",
    ]
    for data in forged:
        await clerk.press_data(data)
        answered = clerk.answer_of_last_press()
        assert "失效" in answered.get("text", "") and answered.get("show_alert") is True, data
    assert len(clerk.bot_messages()) == seen
    reply = await clerk.send("Hacked Name Ltd")
    assert reply.text == texts.unknown_input()
    async with harness.deps.db.read() as conn:
        unit = await repo.get_unit(conn, unit_id)
        assert unit is not None and unit.name == "北京示例科技有限公司" and not unit.password_temporary
        assert (await repo.get_tg_user(conn, 1001)).unit_id == unit_id  # type: ignore[union-attr]
        assert await repo.get_unit_by_username(conn, "hacked") is None


async def test_a_clerk_mid_flow_and_staff_mid_flow_keep_their_own_answers(harness: Harness) -> None:
    """Each typed text goes to its sender's own flow: a clerk's contact name is never a
    staff answer, and a staff reason never a clerk's contact."""
    from bot.notice import ACCEPT_LABEL
    from bot.rules.states import BookingState

    await logged_in(harness)
    other = (await harness.deps.accounts.create_unit("beta", "北京另一家公司", password="Start-Pass-1", actor="cli"))[0]
    booking = await harness.deps.bookings.book(
        unit_id=other.id, user_id=None, day=date(2026, 12, 2), session="am", counts={BusinessType.NEW: 1},
        contact_name="王五", contact_phone="13800138000",
    )
    clerk, staff, writer = harness.user(1001), harness.user(ADMIN), harness.user(STAFF)
    async with harness.deps.db.write() as conn:
        await repo.add_staff(conn, STAFF, "王工", ADMIN, harness.clock.now())
    await clerk.command("book")
    await clerk.press(ACCEPT_LABEL)
    await clerk.press("填写经办人信息")
    await staff.command("find", booking.code)
    await staff.press("撤销预约")
    await writer.command("broadcast")
    assert "通知内容" in writer.last.text

    reply = await clerk.send("李雷")
    assert "手机" in reply.text, clerk.transcript()
    reply = await staff.send("重复预约")
    assert f"已撤销 {booking.code}" in reply.text
    reply = await clerk.send("13900139000")
    assert "合计：" in reply.text
    reply = await writer.send("明天系统维护")
    assert "请选择接收人" in reply.text
    async with harness.deps.db.read() as conn:
        revoked = await repo.get_booking(conn, booking.id)
        assert await repo.get_broadcast(conn, 1) is None
    assert revoked is not None and revoked.state is BookingState.REVOKED and revoked.ended_reason == "重复预约"
    draft = harness.app.user_data[1001]["draft_booking"]
    assert (draft.contact_name, draft.contact_phone) == ("李雷", "13900139000")


def _registered(h: Harness) -> tuple[set[str], set[str]]:
    """Every st: action and every command whose handler lives in bot.handlers.staff."""
    import re

    from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler

    assert h.app is not None
    found: list[object] = []
    for handlers in h.app.handlers.values():
        for handler in handlers:
            if isinstance(handler, ConversationHandler):
                found += [*handler.entry_points, *(x for s in handler.states.values() for x in s), *handler.fallbacks]
            else:
                found.append(handler)
    actions, commands = set(), set()
    for handler in found:
        if isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
            match = re.match(r"\^st:\((.+?)\)", str(getattr(handler.pattern, "pattern", handler.pattern)))
            if match:
                actions |= set(match.group(1).split("|"))
        if isinstance(handler, CommandHandler) and handler.callback.__module__.startswith("bot.handlers.staff"):
            commands |= set(handler.commands)
    return actions, commands


async def test_every_registered_staff_button_and_command_is_refused_to_a_clerk(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    booking = await harness.deps.bookings.book(
        unit_id=unit_id, user_id=1001, day=date(2026, 12, 2), session="am", counts={BusinessType.NEW: 1},
        contact_name="李四", contact_phone="13800138000",
    )
    item_id = (await harness.deps.bookings.items(booking.id))[0].id
    actions, commands = _registered(harness)
    assert len(actions) >= 40 and {"rv", "capcl", "bsend", "uresetok", "sarmok", "calyr", "scloseok"} <= actions
    assert commands == {c.command for c in [*menus.STAFF_COMMANDS, *menus.ADMIN_COMMANDS]}
    clerk = harness.user(1001)
    before = await _snapshot(harness, booking.id, item_id)
    seen = len(clerk.bot_messages())
    for action in sorted(actions):
        for args in ("", f":{booking.id}", f":{item_id}:pass", ":20261202:am:1", f":{unit_id}:1001"):
            await clerk.press_data(f"st:{action}{args}")
            answered = clerk.answer_of_last_press()
            assert "失效" in answered.get("text", "") and answered.get("show_alert") is True, (action, args)
    assert len(clerk.bot_messages()) == seen
    for command in sorted(commands):
        assert (await clerk.command(command, "2026-12-02")).text == texts.unknown_input(), command
    assert not [m for m in clerk.bot_messages() if m.document or m.photo]
    assert await _snapshot(harness, booking.id, item_id) == before


async def test_a_clerk_typing_a_staff_command_keeps_their_flow(harness) -> None:
    """To a clerk /schedule is just unknown: same reply as /foo, and the booking flow goes on."""
    from bot.handlers.flow import current_flows
    from tests.support.clerks import logged_in

    await logged_in(harness)
    clerk = harness.user(1001)
    await clerk.command("book")
    assert current_flows(harness.app, 1001, 1001) == ["booking"]
    unknown = (await clerk.command("foo")).text
    staff = (await clerk.command("schedule")).text
    assert staff == unknown
    assert current_flows(harness.app, 1001, 1001) == ["booking"]
