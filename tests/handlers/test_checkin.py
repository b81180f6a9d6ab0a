"""Arrival times and check-in at the counter through the real Application (SPEC §4).

The receipt carries the suggested time and a QR code of the check-in link (decoded
here with zxing-cpp); staff opening the link check the booking in and see its card;
anyone else changes nothing; a reused or forged code is refused; the schedule lists
arrival order with marks; an ended session's absentees are marked 未到 in one step.
"""

from __future__ import annotations

from bot.fake_telegram import BOT_USERNAME, FakeMessage, FakeUser
from bot.harness import Harness
from bot.rules.states import BookingState
from bot.storage import repo
from bot.storage.models import ArrivalRow, Booking
from bot.texts import arrival as ta
from tests.support import at
from tests.support.checkin import DEC2, STAFF, STRANGER, clerk_booked, complete, decode_qr, token_of


async def arrival_of(h: Harness, booking_id: int) -> ArrivalRow:
    async with h.deps.db.read() as conn:
        row = await repo.arrival_of(conn, booking_id)
    assert row is not None
    return row


async def booking_of(h: Harness, booking_id: int) -> Booking:
    async with h.deps.db.read() as conn:
        found = await repo.get_booking(conn, booking_id)
    assert found is not None
    return found


def receipt_of(user: FakeUser) -> FakeMessage:
    (receipt,) = [m for m in user.bot_messages() if m.text and "预约回执" in m.text]
    return receipt


# ---------------------------------------------------------------- the receipt


async def test_receipt_carries_the_time_and_a_decodable_qr_of_the_check_in_link(harness: Harness) -> None:
    clerk, booking, link = await clerk_booked(harness)
    receipt = receipt_of(clerk)
    # Three 60-minute bookings ahead over three counters: one hour after 09:00.
    assert "到达时间：建议10:00前后到达" in receipt.text
    row = await arrival_of(harness, booking.id)
    assert row.promised is not None and f"{row.promised:%H:%M}" == "10:00"
    assert link == f"https://t.me/{BOT_USERNAME}?start=ci_{row.token}"
    assert len(row.token) == 32 and row.token != (await arrival_of(harness, booking.id - 1)).token
    (photo,) = [m for m in clerk.bot_messages() if m.photo is not None]
    assert "签到码" in (photo.caption or "") and "建议10:00前后到达" in (photo.caption or "")
    assert photo.message_id > receipt.message_id


# ---------------------------------------------------------------- scanning the code


async def test_staff_opening_the_link_checks_in_and_sees_the_card(harness: Harness) -> None:
    clerk, booking, link = await clerk_booked(harness)
    harness.clock.set(at("2026-12-02 09:52"))
    staff = harness.user(STAFF, "王工作人员")
    card = await staff.command("start", f"ci_{token_of(link)}")
    assert card is not None
    assert card.text.startswith(f"✅ {booking.code} 已签到 09:52")
    assert f"预约 {booking.code}" in card.text and "建议到达：10:00｜已签到 09:52" in card.text
    assert "签到" not in card.labels  # done once
    row = await arrival_of(harness, booking.id)
    assert row.checked_in_at == at("2026-12-02 09:52") and row.checked_in_by == STAFF
    async with harness.deps.db.read() as conn:
        assert "check_in" in [e.action for e in await repo.history(conn, "booking", booking.id)]
    assert "到达时间：已签到 09:52" in receipt_of(clerk).text
    assert "建议10:00前后到达" not in receipt_of(clerk).text
    history = await staff.press("历史记录", card)
    assert history is not None and "签到：方式：扫描签到码" in history.text


async def test_a_clerk_or_a_stranger_opening_the_link_changes_nothing(harness: Harness) -> None:
    clerk, booking, link = await clerk_booked(harness)
    harness.clock.set(at("2026-12-02 09:52"))
    before = receipt_of(clerk).text
    for person in (clerk, harness.user(STRANGER, "路人")):
        reply = await person.command("start", f"ci_{token_of(link)}")
        assert reply is not None and reply.text == ta.NOT_STAFF_SCAN
        assert booking.code not in reply.text
    row = await arrival_of(harness, booking.id)
    assert row.checked_in_at is None and row.checked_in_by is None
    assert receipt_of(clerk).text == before
    async with harness.deps.db.read() as conn:
        assert "check_in" not in [e.action for e in await repo.history(conn, "booking", booking.id)]


async def test_a_reused_code_is_refused_and_changes_nothing(harness: Harness) -> None:
    _, booking, link = await clerk_booked(harness)
    harness.clock.set(at("2026-12-02 09:52"))
    staff = harness.user(STAFF)
    await staff.command("start", f"ci_{token_of(link)}")
    harness.clock.set(at("2026-12-02 10:30"))
    again = await staff.command("start", f"ci_{token_of(link)}")
    assert again is not None and "该预约已于12月2日（周三）09:52签到，签到码不能重复使用" in again.text
    row = await arrival_of(harness, booking.id)
    assert row.checked_in_at == at("2026-12-02 09:52")
    async with harness.deps.db.read() as conn:
        actions = [e.action for e in await repo.history(conn, "booking", booking.id)]
    assert actions.count("check_in") == 1


async def test_a_forged_code_is_refused(harness: Harness) -> None:
    _, booking, link = await clerk_booked(harness)
    harness.clock.set(at("2026-12-02 09:52"))
    staff = harness.user(STAFF)
    token = token_of(link)
    for forged in ("0" * 32, token[:-1] + ("0" if token[-1] != "0" else "1"), token.upper(), "", "x' OR 1=1 --"):
        reply = await staff.send(f"/start ci_{forged}")
        assert reply is not None and reply.text == ta.TOKEN_UNKNOWN, forged
    assert (await arrival_of(harness, booking.id)).checked_in_at is None


async def test_check_in_only_on_the_day_and_only_while_active(harness: Harness) -> None:
    clerk, booking, link = await clerk_booked(harness)
    staff = harness.user(STAFF)
    reply = await staff.command("start", f"ci_{token_of(link)}")  # 12月1日: the day before
    assert reply is not None and "只能在当天签到" in reply.text and f"预约 {booking.code}" in reply.text
    await clerk.command("my")
    await clerk.press("取消预约")
    await clerk.press("确认取消")
    assert (await booking_of(harness, booking.id)).state is BookingState.CANCELLED
    harness.clock.set(at("2026-12-02 09:52"))
    reply = await staff.command("start", f"ci_{token_of(link)}")
    assert reply is not None and "当前状态为「已取消」，不能签到" in reply.text
    assert (await arrival_of(harness, booking.id)).checked_in_at is None


# ---------------------------------------------------------------- the card and the typed code


async def test_staff_check_in_from_the_card_and_by_typing_the_code(harness: Harness) -> None:
    clerk, booking, _ = await clerk_booked(harness)
    first, second, _third = await others_rows(harness)
    harness.clock.set(at("2026-12-02 09:05"))
    staff = harness.user(STAFF)
    card = await staff.command("find", first.code)
    assert card is not None and "建议到达：09:00｜未签到" in card.text
    card = await staff.press("签到", card, exact=True)
    assert card is not None and card.text.startswith(f"✅ {first.code} 已签到 09:05")
    assert (await arrival_of(harness, first.id)).checked_in_at == at("2026-12-02 09:05")

    menu = await staff.command("staff")
    assert menu is not None and ta.CHECK_IN_BY_CODE in menu.labels and "/checkin" in menu.text
    prompt = await staff.press(ta.CHECK_IN_BY_CODE, menu)
    assert prompt is not None and prompt.text == ta.ASK_CODE
    await staff.command("staff")
    prompt = await staff.command("checkin")
    assert prompt is not None and prompt.text == ta.ASK_CODE
    reply = await staff.send("CY-NO-SUCH")
    assert reply is not None and ta.CODE_UNKNOWN in reply.text and ta.ASK_CODE in reply.text
    card = await staff.send(second.code.lower())
    assert card is not None and card.text.startswith(f"✅ {second.code} 已签到 09:05")
    card = await staff.command("checkin", booking.code)
    assert card is not None and card.text.startswith(f"✅ {booking.code} 已签到 09:05")
    assert "到达时间：已签到 09:05" in receipt_of(clerk).text
    # Not staff: /checkin does not exist for a clerk.
    reply = await clerk.command("checkin", first.code)
    assert reply is not None and "签到" not in reply.text


async def others_rows(h: Harness) -> list[Booking]:
    async with h.deps.db.read() as conn:
        return [b for b in await repo.bookings_on(conn, DEC2) if b.unit_id != 1]


# ---------------------------------------------------------------- times that move


async def test_a_leaving_booking_moves_later_receipts_earlier_and_capacity_never_later(harness: Harness) -> None:
    clerk, booking, _ = await clerk_booked(harness)
    first = (await others_rows(harness))[0]
    assert f"{(await arrival_of(harness, booking.id)).promised:%H:%M}" == "10:00"
    await harness.deps.bookings.revoke(first.id, staff_id=STAFF, reason="单位申请撤销")
    assert f"{(await arrival_of(harness, booking.id)).promised:%H:%M}" == "09:30"
    # The receipt's edit was written to the outbox by the revoke's transaction (the courier's
    # loop adopts it within poll_seconds; the harness leaves that to the test).
    await harness.courier.deliver_booking(booking.id)
    assert "到达时间：建议09:30前后到达" in receipt_of(clerk).text
    # Staff cut the session to one counter: the computed time would be 11:00, the promise holds.
    await harness.deps.staff.set_capacity(STAFF, DEC2, "am", 180)
    assert f"{(await arrival_of(harness, booking.id)).promised:%H:%M}" == "09:30"
    await harness.courier.deliver_booking(booking.id)
    assert "到达时间：建议09:30前后到达" in receipt_of(clerk).text


# ---------------------------------------------------------------- the day


async def test_schedule_lists_arrival_order_with_arrived_late_and_done_marks(harness: Harness) -> None:
    _, booking, link = await clerk_booked(harness)
    first, second, third = await others_rows(harness)
    staff = harness.user(STAFF)
    page = await staff.command("schedule", "2026-12-02")  # the day before: times, no marks yet
    assert page is not None
    lines = [line for line in page.text.splitlines() if line[:1].isdigit()]
    assert lines[:4] == ["1. 09:00｜其他单位0", "2. 09:15｜其他单位1", "3. 09:30｜其他单位2",
                         "4. 10:00｜北京示例科技有限公司"]
    harness.clock.set(at("2026-12-02 09:10"))
    await harness.deps.arrivals.check_in(STAFF, first.id)
    await harness.deps.staff.set_outcome(STAFF, first.id, "serve")
    harness.clock.set(at("2026-12-02 09:55"))
    await staff.command("start", f"ci_{token_of(link)}")
    harness.clock.set(at("2026-12-02 09:59"))
    page = await staff.command("schedule", "2026-12-02")
    assert page is not None
    lines = [line for line in page.text.splitlines() if line[:1].isdigit()]
    assert lines[:4] == [
        "1. 09:00 ✅ 已办理｜其他单位0",
        "2. 09:15 ⏰ 迟到｜其他单位1",  # 09:15 + 30 minutes passed at 09:59
        "3. 09:30 未到达｜其他单位2",
        "4. 10:00 🟢 已到达 09:55｜北京示例科技有限公司",
    ]
    assert all(b.code in page.text for b in (first, second, third, booking))
    assert page.text.index(first.code) < page.text.index(second.code) < page.text.index(booking.code)
    assert "已到达 1 · 迟到 1 · 已办理 1 · 未到达 1" in page.text
    numbered = [data for label, data in page.buttons if label.isdigit()]
    assert numbered == [f"st:bk:{b.id}" for b in (first, second, third, booking)]
    assert not [label for label in page.labels if "未签到" in label]  # the session has not ended


async def test_end_of_session_offers_the_absentees_as_no_show_in_one_step(harness: Harness) -> None:
    clerk, booking, link = await clerk_booked(harness)
    first, second, third = await others_rows(harness)
    harness.clock.set(at("2026-12-02 09:40"))
    staff = harness.user(STAFF)
    await staff.command("start", f"ci_{token_of(link)}")
    await harness.deps.arrivals.check_in(STAFF, first.id)
    harness.clock.set(at("2026-12-02 12:05"))
    page = await staff.command("schedule")
    assert page is not None and "上午未签到2个" in page.labels
    # Nothing is marked by itself.
    assert [(await booking_of(harness, b.id)).state for b in (second, third)] == [BookingState.PENDING] * 2
    offer = await staff.press("上午未签到2个", page)
    assert offer is not None and "以下2个预约未签到" in offer.text
    assert second.code in offer.text and third.code in offer.text and first.code not in offer.text
    assert offer.labels[:2] == [ta.MARK_ALL_NO_SHOW, ta.NOT_NOW]

    # The list changes (staff serve one without a check-in): the old button marks nobody.
    await harness.deps.staff.set_outcome(STAFF, second.id, "serve")
    reply = await staff.press(ta.MARK_ALL_NO_SHOW, offer)
    assert staff.answer_of_last_press().get("text") == ta.OFFER_CHANGED
    assert (await booking_of(harness, third.id)).state is not BookingState.NO_SHOW
    assert reply is not None and "以下1个预约未签到" in reply.text and second.code not in reply.text

    reply = await staff.press(ta.MARK_ALL_NO_SHOW, reply)
    assert reply is not None and reply.text.startswith("已将1个预约标记为「未到」")
    assert (await booking_of(harness, third.id)).state is BookingState.NO_SHOW
    assert (await booking_of(harness, booking.id)).state is not BookingState.NO_SHOW  # checked in
    assert (await booking_of(harness, first.id)).state is not BookingState.NO_SHOW
    async with harness.deps.db.read() as conn:
        audit = await repo.history(conn, "booking", third.id)
    assert audit[-1].action == "no_show" and audit[-1].actor == f"tg:{STAFF}"
    page = await staff.command("schedule")
    assert page is not None and not [label for label in page.labels if "未签到" in label]
    del clerk


async def test_stats_show_wait_late_and_no_show_rates_per_session(harness: Harness) -> None:
    _, booking, _ = await clerk_booked(harness)
    first, second, third = await others_rows(harness)
    svc = harness.deps
    harness.clock.set(at("2026-12-02 09:05"))
    await svc.arrivals.check_in(STAFF, first.id)
    harness.clock.set(at("2026-12-02 09:25"))
    await svc.staff.set_outcome(STAFF, first.id, "serve")  # waited 20 minutes
    harness.clock.set(at("2026-12-02 10:00"))
    await svc.arrivals.check_in(STAFF, second.id)  # 09:15 + 30 < 10:00: late
    harness.clock.set(at("2026-12-02 10:40"))
    await svc.staff.set_outcome(STAFF, second.id, "serve")  # waited 40 minutes
    await svc.staff.set_outcome(STAFF, third.id, "no_show")
    await svc.staff.set_outcome(STAFF, booking.id, "no_show")
    staff = harness.user(STAFF)
    page = await staff.command("stats", "2026-12-01 2026-12-31")
    assert page is not None
    assert "上午：签到2个，平均等候30分钟；迟到率50%（1/2）；未到率50%（2/4）" in page.text
    assert "下午：签到0个，平均等候—；迟到率—（0/0）；未到率—（0/0）" in page.text


async def test_my_bookings_the_reminder_and_the_calendar_file_carry_the_time(harness: Harness) -> None:
    from bot.jobs.reminders import run_due

    clerk, booking, _ = await clerk_booked(harness)
    (ics,) = [m for m in clerk.bot_messages() if m.document is not None]
    assert "DTSTART;TZID=Asia/Shanghai:20261202T100000" in ics.document[1].decode().split("\r\n")
    panel = await clerk.command("my")
    assert panel is not None
    if "到达" not in panel.text:
        panel = await clerk.press(booking.code)
    assert panel is not None and "到达时间：建议10:00前后到达" in panel.text, clerk.transcript()
    await complete(harness, booking)
    harness.clock.set(at("2026-12-02 08:00"))
    await run_due(harness.app)
    (reminder,) = [m for m in clerk.bot_messages() if m.text and "今日办理提醒" in m.text]
    assert "建议到达：10:00前后" in reminder.text


async def test_the_clerk_gets_the_code_again_from_my_bookings_until_checked_in(harness: Harness) -> None:
    clerk, booking, link = await clerk_booked(harness)
    await complete(harness, booking)
    harness.clock.set(at("2026-12-02 08:30"))  # the appointment day: the receipt is far up the chat
    await clerk.command("my")
    card = clerk.last
    assert card is not None and "签到码" in card.labels and "到达时间：建议10:00前后到达" in card.text
    await clerk.press("签到码", card)
    photo = clerk.last
    assert photo is not None and photo.photo is not None and decode_qr(photo.photo) == link
    assert "建议10:00前后到达" in (photo.caption or "")
    # Another unit's booking cannot be asked for.
    other = (await others_rows(harness))[0]
    photos = len([m for m in clerk.bot_messages() if m.photo is not None])
    await clerk.press_data(f"my:qr:{other.id}", card)
    assert len([m for m in clerk.bot_messages() if m.photo is not None]) == photos
    assert other.code not in "".join(clerk.texts())
    # Once checked in, the card no longer offers it.
    harness.clock.set(at("2026-12-02 09:58"))
    await harness.user(STAFF).command("start", f"ci_{token_of(link)}")
    await clerk.command("my")
    card = clerk.last
    assert card is not None and "签到码" not in card.labels and "到达时间：已签到 09:58" in card.text


def test_a_long_no_show_list_is_never_cut_off() -> None:
    from bot.read_models import NoShowOffer
    from bot.rules.capacity import DEFAULT_SESSIONS
    from bot.texts.staff.common import MESSAGE_LIMIT, utf16_units

    bookings = [Booking(i, f"CY20261202-{i:03d}", i, DEC2, "am", 5, BookingState.PENDING, "李雷", "13800138000",
                        None, at("2026-12-01 10:00"), at("2026-12-01 10:00"), None, None, None)
                for i in range(1, 109)]  # a morning of 5-minute bookings
    names = {b.unit_id: "北京示例科技有限公司朝阳分公司人力资源部" for b in bookings}
    text = ta.no_show_offer(NoShowOffer(DEC2, DEFAULT_SESSIONS[0], bookings, names))
    assert utf16_units(text) <= MESSAGE_LIMIT
    assert all(b.code in text for b in bookings)
