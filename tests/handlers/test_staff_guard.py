"""The staff guard: clerks can neither run staff commands nor press st: buttons; staff
added by an admin get the console (not /staffadmin) and their own command menu."""

from __future__ import annotations

from datetime import date

from bot import texts
from bot.handlers import menus
from bot.harness import Harness
from bot.rules.basket import BusinessType
from bot.storage import repo
from tests.handlers.conftest import logged_in

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
    assert "管理员（配置文件）：900001" in reply.text and "工作人员：暂无" in reply.text
    await admin.press("添加工作人员")
    reply = await admin.send("王工")
    assert "Telegram 用户ID" in reply.text
    reply = await admin.send(f"{STAFF} 王工")
    assert f"已添加工作人员 {STAFF} 王工" in reply.text and f"· {STAFF} 王工" in reply.text
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
    reply = await admin.press(f"移除 {STAFF} 王工")
    assert "确认移除" in reply.labels
    reply = await admin.press("确认移除")
    assert f"已移除工作人员 {STAFF}" in reply.text
    assert f"chat:{STAFF}" not in harness.api.commands
    assert (await member.command("schedule")).text == texts.unknown_input()
    async with harness.deps.db.read() as conn:
        assert await repo.list_staff(conn) == []


async def test_admins_cannot_be_added_or_removed(harness: Harness) -> None:
    admin = harness.user(ADMIN)
    await admin.command("staffadmin")
    await admin.press("添加工作人员")
    reply = await admin.send(str(ADMIN))
    assert "该用户是管理员" in reply.text
    await admin.press_data(f"st:sarmok:{ADMIN}")
    assert "不能在此移除" in admin.answer_of_last_press().get("text", "")
