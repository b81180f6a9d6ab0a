"""/broadcast through the real Application: preview, pace, blocked users, retries, resume after a crash."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from datetime import date
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.delivery.broadcasts import senders_for
from bot.fake_telegram import ApiError
from bot.harness import Harness
from bot.rules.states import BookingState
from bot.storage import repo
from bot.storage.db import Database
from tests.support.clerks import make_unit

ADMIN = 900001
TEXT = "【通知】12月5日（周六）系统维护，暂停预约一天。"
RATE = 20


async def add_clerks(h: Harness, unit_id: int, user_ids: Iterable[int]) -> list[int]:
    """Clerks bound to a unit, inserted directly (and given chats the fake accepts)."""
    ids = list(user_ids)
    now = h.clock.now()
    async with h.deps.db.write() as conn:
        for user_id in ids:
            await repo.touch_tg_user(conn, user_id, f"经办人{user_id}", now)
            await repo.bind_user(conn, user_id, unit_id, must_set_password=False, now=now)
    for user_id in ids:
        h.user(user_id)
    return ids


async def settle(h: Harness, timeout: float = 20.0) -> None:
    """Wait until no broadcast is unfinished and every sender task has ended."""
    async with asyncio.timeout(timeout):
        while True:
            tasks = [t for t in asyncio.all_tasks() if t.get_name().startswith("broadcast:") and not t.done()]
            if tasks:
                await asyncio.wait(tasks)
                continue
            async with h.deps.db.read() as conn:
                if not await repo.unfinished_broadcasts(conn):
                    return
            await asyncio.sleep(0.02)


def delivered(h: Harness, chat_id: int, text: str = TEXT) -> int:
    """How many copies of ``text`` the chat really shows."""
    return sum(1 for m in h.api.messages_in(chat_id) if m.from_bot and m.text == text)


def tries(h: Harness, text: str = TEXT) -> int:
    """How many times the bot asked Telegram to send ``text`` (accepted or not)."""
    return len([c for c in h.api.sent("sendMessage") if c.params.get("text") == text])


async def compose(h: Harness, text: str = TEXT) -> Any:
    """The admin composes a broadcast up to the audience choice."""
    staff = h.user(ADMIN)
    await staff.command("broadcast")
    assert "通知内容" in staff.last.text
    reply = await staff.send(text)
    assert "请选择接收人" in reply.text
    return staff


@pytest.fixture
async def paced(settings: Settings, clock: ManualClock) -> AsyncIterator[Harness]:
    """A harness whose broadcasts go at RATE messages per second."""
    h = Harness(settings.model_copy(update={"bot_broadcast_rate": float(RATE)}), clock)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


async def test_broadcast_to_all_clerks_paced_with_blocked_and_flood_control(paced: Harness) -> None:
    h = paced
    unit_id = await make_unit(h)
    ids = await add_clerks(h, unit_id, range(5001, 5031))
    flooded, blocked = ids[3], ids[7]
    floods: list[int] = []

    def behaviour(method: str, params: dict[str, Any]) -> ApiError | None:
        if method != "sendMessage" or params.get("text") != TEXT:
            return None
        chat = int(params["chat_id"])
        if chat == flooded and not floods:
            floods.append(chat)
            return ApiError.retry_after(1)
        if chat == blocked:
            return ApiError.blocked()
        return None

    h.api.behaviour = behaviour
    staff = await compose(h)
    await staff.press("全部经办人（30人）")
    preview = staff.last
    assert "共30人" in preview.text and TEXT in preview.text
    assert preview.labels == ["确认发送", "取消"]
    await staff.press("确认发送", exact=True)
    await settle(h)

    for user_id in ids:
        assert delivered(h, user_id) == (0 if user_id == blocked else 1), user_id
    async with h.deps.db.read() as conn:
        broadcast = await repo.get_broadcast(conn, 1)
        recipients = await repo.broadcast_recipients(conn, 1)
        blocked_user = await repo.get_tg_user(conn, blocked)
        still_reachable = await repo.all_clerk_ids(conn)
    assert broadcast is not None and broadcast.status == "done" and broadcast.finished_at is not None
    assert broadcast.created_by == ADMIN and broadcast.text == TEXT
    assert {u: s for u, (s, _) in recipients.items()} == {u: "blocked" if u == blocked else "sent" for u in ids}
    assert blocked_user is not None and blocked_user.blocked_at is not None
    assert blocked not in still_reachable and len(still_reachable) == 29
    assert floods == [flooded]

    # Never more than RATE requests of the broadcast in any one second (failed ones included).
    times = sorted(c.at for c in h.api.sent("sendMessage") if c.params.get("text") == TEXT)
    assert len(times) == 31  # 30 recipients + one retried
    for i, start in enumerate(times):
        assert sum(1 for x in times[i:] if x < start + 1.0) <= RATE

    # The preview became the progress message, which ends with the totals; a report follows.
    assert "已发送 29 / 失败 0 / 已屏蔽 1，共 30" in preview.text and "已完成" in preview.text
    assert "共30人，成功29人" in staff.last.text and "1人已屏蔽" in staff.last.text


async def test_sends_overlap_so_the_round_trip_does_not_set_the_pace(harness: Harness) -> None:
    """While Telegram's answer to one recipient is on its way, the next ones are sent: several
    sends in flight at once (no more than the senders), each recipient sent to exactly once."""
    unit_id = await make_unit(harness)
    ids = await add_clerks(harness, unit_id, range(6001, 6041))
    in_flight, most = 0, 0

    async def slow(method: str, params: dict[str, Any]) -> None:
        nonlocal in_flight, most
        if method != "sendMessage" or params.get("text") != TEXT:
            return
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.2)  # each answer takes 0.2 s: one at a time would be 5 a second
        in_flight -= 1

    harness.api.behaviour = slow
    staff = await compose(harness)
    await staff.press("全部经办人（40人）")
    await staff.press("确认发送", exact=True)
    await settle(harness)
    assert 1 < most <= senders_for(harness.settings.bot_broadcast_rate)
    assert [delivered(harness, u) for u in ids] == [1] * 40
    assert tries(harness) == 40
    async with harness.deps.db.read() as conn:
        recipients = await repo.broadcast_recipients(conn, 1)
    assert set(recipients.values()) == {("sent", 1)} and len(recipients) == 40
    assert "已发送 40 / 失败 0 / 已屏蔽 0，共 40" in staff.bot_messages()[-2].text
    assert "共40人，成功40人" in staff.last.text


async def test_a_429_storm_over_sends_in_flight_repeats_each_call_and_sends_nobody_twice(
    harness: Harness,
) -> None:
    """Every recipient's first request is answered 429 while others are in flight: the limiter
    waits each out and repeats that call; what Telegram accepted is never sent again."""
    unit_id = await make_unit(harness)
    ids = await add_clerks(harness, unit_id, range(6101, 6131))
    calls = dict.fromkeys(ids, 0)
    in_flight, most = 0, 0

    async def storm(method: str, params: dict[str, Any]) -> ApiError | None:
        nonlocal in_flight, most
        if method != "sendMessage" or params.get("text") != TEXT:
            return None
        chat = int(params["chat_id"])
        calls[chat] += 1
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.1)
        in_flight -= 1
        if calls[chat] == 1:
            return ApiError(429, "Too Many Requests: retry after 0.05", {"retry_after": 0.05})
        return None

    harness.api.behaviour = storm
    staff = await compose(harness)
    await staff.press("全部经办人（30人）")
    await staff.press("确认发送", exact=True)
    await settle(harness)
    assert most > 1
    assert calls == dict.fromkeys(ids, 2)  # refused once, repeated once, accepted: never again
    assert [delivered(harness, u) for u in ids] == [1] * 30
    async with harness.deps.db.read() as conn:
        recipients = await repo.broadcast_recipients(conn, 1)
        logged = {(await repo.get_notification(conn, f"broadcast:1:{u}") or ("missing",))[0] for u in ids}
    assert set(recipients.values()) == {("sent", 1)} and len(recipients) == 30
    assert logged == {"sent"}
    assert "共30人，成功30人" in staff.last.text


async def test_blocked_clerks_are_skipped_next_time(harness: Harness) -> None:
    unit_id = await make_unit(harness)
    ids = await add_clerks(harness, unit_id, [5101, 5102, 5103])
    harness.api.behaviour = lambda method, params: (
        ApiError.blocked() if method == "sendMessage" and int(params["chat_id"]) == 5102 else None
    )
    staff = await compose(harness)
    await staff.press("全部经办人（3人）")
    await staff.press("确认发送", exact=True)
    await settle(harness)
    harness.api.behaviour = None
    await staff.command("broadcast")
    await staff.send("第二条通知")
    await staff.press("全部经办人（2人）")
    await staff.press("确认发送", exact=True)
    await settle(harness)
    assert [delivered(harness, u, "第二条通知") for u in ids] == [1, 0, 1]
    async with harness.deps.db.read() as conn:
        assert set(await repo.broadcast_recipients(conn, 2)) == {5101, 5103}


async def test_retry_after_storm_each_recipient_tried_at_most_1_plus_retries_times(harness: Harness) -> None:
    """SPEC §13: a 429 is waited out and retried by the rate limiter only — never multiplied."""
    retries = harness.delivery.max_retries
    unit_id = await make_unit(harness)
    ids = await add_clerks(harness, unit_id, [5201, 5202, 5203, 5204])
    calls = dict.fromkeys(ids, 0)
    # 5201 and 5204: refused `retries` times, then accepted; 5202: refused for ever; 5203: never refused
    refusals = {5201: retries, 5202: 10**6, 5203: 0, 5204: retries}

    def behaviour(method: str, params: dict[str, Any]) -> ApiError | None:
        chat = int(params.get("chat_id", 0))
        if method != "sendMessage" or params.get("text") != TEXT:
            return None
        calls[chat] += 1
        if calls[chat] <= refusals[chat]:
            return ApiError(429, "Too Many Requests: retry after 0.01", {"retry_after": 0.01})
        return None

    harness.api.behaviour = behaviour
    staff = await compose(harness)
    await staff.press("全部经办人（4人）")
    await staff.press("确认发送", exact=True)
    await settle(harness)
    assert [delivered(harness, u) for u in ids] == [1, 0, 1, 1]
    assert all(n <= 1 + retries for n in calls.values()), calls
    assert calls == {5201: 1 + retries, 5202: 1 + retries, 5203: 1, 5204: 1 + retries}
    async with harness.deps.db.read() as conn:
        recipients = await repo.broadcast_recipients(conn, 1)
        logged = {u: (await repo.get_notification(conn, f"broadcast:1:{u}"))[0] for u in ids}  # type: ignore[index]
    assert {u: s for u, (s, _) in recipients.items()} == {5201: "sent", 5202: "failed", 5203: "sent", 5204: "sent"}
    assert logged == {5201: "sent", 5202: "failed", 5203: "sent", 5204: "sent"}
    assert "失败 1" in staff.bot_messages()[-2].text
    assert "1人发送失败" in staff.last.text

    # A later restart resumes nothing: the given-up recipient is not tried again.
    await harness.restart()
    await settle(harness)
    assert calls[5202] == 1 + retries


async def test_a_broadcast_whose_answer_is_lost_is_not_resent_and_is_reported(harness: Harness) -> None:
    """A timeout or 5xx after Telegram delivered it: recorded 'uncertain', counted, never resent."""
    from bot.fake_telegram import Fault

    unit_id = await make_unit(harness)
    ids = await add_clerks(harness, unit_id, [5251, 5252, 5253])
    faults = [Fault.timeout_after(), Fault.bad_gateway_after()]
    harness.api.behaviour = lambda method, params: (
        faults.pop(0) if faults and method == "sendMessage" and params.get("text") == TEXT else None)
    staff = await compose(harness)
    await staff.press("全部经办人（3人）")
    await staff.press("确认发送", exact=True)
    await settle(harness)
    await harness.restart()
    await settle(harness)
    assert [delivered(harness, u) for u in ids] == [1, 1, 1]  # each delivered once, though two answers were lost
    async with harness.deps.db.read() as conn:
        recipients = await repo.broadcast_recipients(conn, 1)
    assert [recipients[u][0] for u in ids] == ["uncertain", "uncertain", "sent"]
    assert "结果未知 2" in staff.bot_messages()[-2].text
    assert "2人结果未知" in staff.last.text


async def test_crash_half_way_then_restart_finishes_without_duplicates(harness: Harness) -> None:
    unit_id = await make_unit(harness)
    ids = await add_clerks(harness, unit_id, range(5301, 5321))
    gate = asyncio.Event()
    accepted: list[int] = []

    async def behaviour(method: str, params: dict[str, Any]) -> None:
        if method == "sendMessage" and params.get("text") == TEXT:
            if len(accepted) >= 8:
                await gate.wait()  # the process dies while this request is in flight
            accepted.append(int(params["chat_id"]))

    harness.api.behaviour = behaviour
    staff = await compose(harness)
    await staff.press("全部经办人（20人）")
    await staff.press("确认发送", exact=True)
    async with asyncio.timeout(10):
        # the ninth request has reached the gate: the first eight outcomes are recorded
        while len([c for c in harness.api.sent("sendMessage") if c.params.get("text") == TEXT]) < 9:
            await asyncio.sleep(0.01)
    assert len(accepted) == 8
    senders = [t for t in asyncio.all_tasks() if t.get_name() == "broadcast:1"]
    await harness.crash()
    for task in senders:  # a killed process runs nothing more
        task.cancel()
    await asyncio.gather(*senders, return_exceptions=True)
    tried_before = tries(harness)  # the ninth, and any later request that reached the gate too
    harness.api.behaviour = None

    await harness.start()
    await settle(harness)
    assert [delivered(harness, u) for u in ids] == [1] * 20
    # after the restart only the twelve pending were tried (those in flight among them)
    assert tries(harness) == tried_before + 12
    async with harness.deps.db.read() as conn:
        recipients = await repo.broadcast_recipients(conn, 1)
        broadcast = await repo.get_broadcast(conn, 1)
    assert set(recipients.values()) == {("sent", 1)} and len(recipients) == 20
    assert broadcast is not None and broadcast.status == "done"
    assert "已发送 20 / 失败 0 / 已屏蔽 0，共 20" in staff.bot_messages()[-2].text


async def test_graceful_restart_resumes_with_pending_recipients_only(harness: Harness) -> None:
    unit_id = await make_unit(harness)
    ids = await add_clerks(harness, unit_id, range(5401, 5461))
    harness.api.behaviour = lambda method, params: 0.03 if method == "sendMessage" else None
    staff = await compose(harness)
    await staff.press("全部经办人（60人）")
    await staff.press("确认发送", exact=True)
    async with asyncio.timeout(10):
        while sum(delivered(harness, u) for u in ids) < 4:
            await asyncio.sleep(0.01)
    before = tries(harness)
    await harness.stop()  # lets the messages in flight finish and be recorded, leaves the rest
    # at most one more per sender (each had claimed its recipient), and no claim left behind
    assert before <= tries(harness) <= before + senders_for(harness.settings.bot_broadcast_rate)
    assert 4 <= sum(delivered(harness, u) for u in ids) < 60
    async with Database(harness.settings.bot_db_path) as db, db.read() as conn:
        logged = [await repo.get_notification(conn, f"broadcast:1:{u}") for u in ids]
        recipients = await repo.broadcast_recipients(conn, 1)
    assert [found[0] if found else None for found in logged] == [
        "sent" if delivered(harness, u) else None for u in ids]
    assert [recipients[u][0] for u in ids] == ["sent" if delivered(harness, u) else "pending" for u in ids]
    await harness.start()
    await settle(harness)
    assert [delivered(harness, u) for u in ids] == [1] * 60
    assert tries(harness) == 60


async def test_audience_of_clerks_with_bookings_on_a_date(harness: Harness) -> None:
    booked_unit = await make_unit(harness, "booked", "北京有约科技有限公司")
    other_unit = await make_unit(harness, "other", "北京无约科技有限公司")
    cancelled_unit = await make_unit(harness, "gone", "北京已取消科技有限公司")
    booked = await add_clerks(harness, booked_unit, [5501, 5502])
    others = await add_clerks(harness, other_unit, [5503])
    cancelled = await add_clerks(harness, cancelled_unit, [5504])
    day = date(2026, 12, 3)
    now = harness.clock.now()
    async with harness.deps.db.write() as conn:
        for seq, unit_id in enumerate((booked_unit, cancelled_unit), start=1):
            booking_id = await repo.insert_booking(
                conn, code=f"CY20261203-00{seq}", code_date=day, code_seq=seq, unit_id=unit_id, day=day,
                session="am", minutes=15, contact_name="张三", contact_phone="13800000000", created_by=None, now=now,
            )
        await repo.set_booking_state(conn, booking_id, BookingState.INCOMPLETE, BookingState.CANCELLED, now)

    staff = await compose(harness)
    reply = await staff.press("某日有预约的经办人")
    assert "直接输入日期" in reply.text
    assert "12月3日（周四） · 2人" in reply.labels
    reply = await staff.send("2026-13-01")
    assert "没有2026年13月1日这一天" in reply.text
    reply = await staff.send("下周")
    assert "日期格式不正确" in reply.text
    reply = await staff.send("2026-12-07")  # nobody booked: back to the audience
    assert "没有符合条件的接收人" in reply.text
    await staff.press("某日有预约的经办人")
    reply = await staff.press("12月3日")
    assert "2026年12月3日（周四）有待办预约" in reply.text and "共2人" in reply.text
    await staff.press("确认发送", exact=True)
    await settle(harness)
    assert [delivered(harness, u) for u in booked + others + cancelled] == [1, 1, 0, 0]
    async with harness.deps.db.read() as conn:
        broadcast = await repo.get_broadcast(conn, 1)
    assert broadcast is not None and broadcast.audience == "date" and broadcast.audience_date == day


async def test_cancel_long_text_and_refusal_to_clerks(harness: Harness) -> None:
    unit_id = await make_unit(harness)
    await add_clerks(harness, unit_id, [5601])
    staff = harness.user(ADMIN)
    await staff.command("broadcast")
    reply = await staff.send("字" * 3501)
    assert "超过3500字" in reply.text and "通知内容" in reply.text
    reply = await staff.send_sticker()
    assert "请直接输入文字" in reply.text
    await staff.send("字" * 3500)
    await staff.press("全部经办人")
    reply = await staff.press("取消", exact=True)
    assert "已取消群发" in reply.text
    reply = await staff.press_data("st:bsend")  # the old preview: nothing to send any more
    assert harness.api.answered and "失效" in staff.answer_of_last_press().get("text", "")
    clerk = harness.user(5601)
    reply = await clerk.command("broadcast")
    assert "没有理解" in reply.text
    await clerk.press_data("st:bsend")
    assert "失效" in clerk.answer_of_last_press().get("text", "")
    async with harness.deps.db.read() as conn:
        assert await repo.get_broadcast(conn, 1) is None
    assert delivered(harness, 5601, "字" * 3500) == 0


async def test_two_instances_on_one_database_send_a_broadcast_once(harness: Harness) -> None:
    """A second bot instance started on the same database while the first is sending
    (it resumes every unfinished broadcast at start) must not send the same broadcast."""
    unit_id = await make_unit(harness)
    ids = await add_clerks(harness, unit_id, range(5701, 5713))
    harness.api.behaviour = lambda method, params: 0.03 if method == "sendMessage" else None
    staff = await compose(harness)
    await staff.press("全部经办人（12人）")
    await staff.press("确认发送", exact=True)
    async with asyncio.timeout(10):
        while sum(delivered(harness, u) for u in ids) < 2:
            await asyncio.sleep(0.01)
    second = Harness(harness.settings, harness.clock, harness.api)
    await second.start()
    try:
        await settle(harness)
        await settle(second)
    finally:
        await second.stop()
    assert [delivered(harness, u) for u in ids] == [1] * 12
    assert len([c for c in harness.api.sent("sendMessage") if c.params.get("text") == TEXT]) == 12
    async with harness.deps.db.read() as conn:
        assert set((await repo.broadcast_recipients(conn, 1)).values()) == {("sent", 1)}


async def test_a_second_instance_takes_over_when_the_first_stops(harness: Harness) -> None:
    unit_id = await make_unit(harness)
    ids = await add_clerks(harness, unit_id, range(5801, 5901))
    harness.api.behaviour = lambda method, params: 0.03 if method == "sendMessage" else None
    staff = await compose(harness)
    await staff.press("全部经办人（100人）")
    await staff.press("确认发送", exact=True)
    async with asyncio.timeout(10):
        while sum(delivered(harness, u) for u in ids) < 2:
            await asyncio.sleep(0.01)
    second = Harness(harness.settings, harness.clock, harness.api)
    await second.start()
    try:
        await harness.stop()  # the first instance stops half-way: the second finishes the broadcast
        assert sum(delivered(second, u) for u in ids) < 100
        await settle(second)
        assert [delivered(second, u) for u in ids] == [1] * 100
        async with second.deps.db.read() as conn:
            broadcast = await repo.get_broadcast(conn, 1)
        assert broadcast is not None and broadcast.status == "done"
    finally:
        await second.stop()
        await harness.start()  # the fixture stops it again


async def test_a_slow_send_is_not_sent_again_by_a_second_instance(harness: Harness) -> None:
    """While one message waits on Telegram, a second instance resuming the same broadcast
    finds that recipient's notification claimed and leaves it to the first."""
    unit_id = await make_unit(harness)
    ids = await add_clerks(harness, unit_id, [5951, 5952, 5953])
    harness.api.behaviour = lambda method, params: 0.5 if method == "sendMessage" else None
    staff = await compose(harness)
    await staff.press("全部经办人（3人）")
    await staff.press("确认发送", exact=True)
    second = Harness(harness.settings, harness.clock, harness.api)
    await second.start()
    try:
        await settle(harness)
        await settle(second)
    finally:
        await second.stop()
    assert [delivered(harness, u) for u in ids] == [1, 1, 1]
