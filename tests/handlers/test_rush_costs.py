"""What each step of the booking flow costs the database, through the real Application (issue 9).

A step that changes only the screen or the draft runs no write transaction (the
draft and the conversation state are persisted with everyone else's, once a
second); 「确定」 holds the booking in one transaction, and the outbox then records
the receipt's delivery. The clerk still sees every panel, and the database holds
the booking.
"""

from __future__ import annotations

from datetime import date

from bot.callbacks import pack
from bot.fake_telegram import FakeUser
from bot.harness import Harness
from bot.notice import ACCEPT_LABEL
from bot.rules.states import BookingState
from bot.storage import outbox, repo
from bot.storage.dbstats import DbStats, counting
from tests.support.clerks import logged_in

DEC2 = date(2026, 12, 2)


async def _step(user: FakeUser, action: object) -> DbStats:
    with counting(DbStats()) as seen:
        await action  # type: ignore[misc]
    return seen


async def test_screen_steps_write_nothing_and_confirm_writes_the_booking_once(harness: Harness) -> None:
    h = harness
    unit_id = await logged_in(h)
    clerk = h.user(1001)
    await clerk.command("book")
    await clerk.press(ACCEPT_LABEL)  # accepting the notice is recorded: a change, not a screen
    steps = {
        "contact": await _step(clerk, clerk.press("填写经办人信息")),
        "name": await _step(clerk, clerk.send("李雷")),
        "phone": await _step(clerk, clerk.send("13800138000")),
    }
    panel = clerk.last
    assert panel is not None and "合计：" in panel.text
    steps["add"] = await _step(clerk, clerk.press_data(pack("bk", "add", "new"), panel))
    steps["query"] = await _step(clerk, clerk.press("查询可预约信息"))
    steps["slot"] = await _step(clerk, clerk.press("12/2 上午"))
    assert clerk.last is not None and "确定" in clerk.last.labels
    for name, seen in steps.items():
        assert seen.write_transactions == 0, name

    everyone = DbStats()
    everyone.add(h.deps.db.stats)
    confirm = await _step(clerk, clerk.press("确定"))
    # The booking (rules, capacity, items, audit, arrival time, the receipt in the outbox)
    # in one transaction of the clerk's own.
    assert confirm.write_transactions == 1
    # The outbox records each part of the receipt as Telegram accepts it (text with its
    # message id, QR code, .ics closing the row), each before the next part goes: resumable
    # part by part after a crash. Those records are the courier's, group-committed with
    # every other receipt's (bot.delivery.outbox); alone, one transaction each.
    assert h.deps.db.stats.write_transactions - everyone.write_transactions == 1 + 3
    async with h.deps.db.read() as conn:
        booked = await repo.bookings_on(conn, DEC2)
        used = (await repo.slot_usage(conn, [DEC2]))[(DEC2, "am")].used
        (receipt,) = await outbox.of_booking(conn, booked[0].id)
    assert [(b.unit_id, b.state) for b in booked] == [(unit_id, BookingState.INCOMPLETE)]
    assert used == booked[0].minutes == 15
    assert (receipt.status, receipt.parts_done) == ("sent", 3)
    assert booked[0].receipt_message_id is not None
    assert any(booked[0].code in text for text in clerk.texts())


async def test_the_draft_survives_a_restart_after_the_round_is_written(harness: Harness) -> None:
    h = harness
    await logged_in(h)
    clerk = h.user(1001)
    await clerk.command("book")
    await clerk.press(ACCEPT_LABEL)
    await clerk.press("填写经办人信息")
    await clerk.send("李雷")
    await h.flush()  # PTB's once-a-second round: one transaction for every changed user
    await h.crash()
    await h.start()
    await clerk.send("13800138000")  # the phone step is where the clerk left off
    panel = clerk.last
    assert panel is not None and "合计：" in panel.text
