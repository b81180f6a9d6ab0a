"""The plumbing every flow relies on: ordering, concurrency, persistence, idle timeout."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bot.clock import ManualClock
from bot.delivery.notifications import Notifier
from bot.delivery.outbox import Courier
from bot.handlers.flow import current_flows, sweep_idle
from bot.harness import Harness
from bot.jobs.reminders import run_due
from bot.processing import PerUserProcessor
from tests.support.clerks import logged_in


async def _drain(h: Harness, timeout: float = 5.0) -> None:
    """Wait until the application's update queue is processed."""
    await asyncio.wait_for(h.app.update_queue.join(), timeout)


async def test_slow_reply_to_one_user_does_not_delay_another(harness: Harness) -> None:
    slow, fast = harness.user(2001), harness.user(2002)
    assert isinstance(harness.app.update_processor, PerUserProcessor)
    fast_through = asyncio.Event()
    events: list[str] = []

    async def behaviour(method: str, params: dict[str, Any]) -> None:
        if method != "sendMessage":
            return
        if int(params["chat_id"]) == 2001:
            events.append("slow: sending")
            # the slow reply is held until the fast one got through: one after the other would never get there
            await asyncio.wait_for(fast_through.wait(), 5)
            events.append("slow: sent")
        else:
            events.append("fast: sent")
            fast_through.set()

    harness.api.behaviour = behaviour
    await harness.app.update_queue.put(slow.update_for(text="/help", entities=[
        {"type": "bot_command", "offset": 0, "length": 5}]))
    await harness.app.update_queue.put(fast.update_for(text="/help", entities=[
        {"type": "bot_command", "offset": 0, "length": 5}]))
    await _drain(harness)
    assert events.index("fast: sent") < events.index("slow: sent"), "the fast user waited for the slow one"
    assert "可用命令" in fast.last.text and "可用命令" in slow.last.text


async def test_one_users_updates_stay_in_order(harness: Harness) -> None:
    user = harness.user(2001)
    delays = iter([0.3, 0.0, 0.0])

    async def behaviour(method: str, params: dict[str, Any]) -> float | None:
        return next(delays, 0.0) if method == "sendMessage" else None

    harness.api.behaviour = behaviour
    await harness.app.update_queue.put(user.update_for(text="/login", entities=[
        {"type": "bot_command", "offset": 0, "length": 6}]))
    await harness.app.update_queue.put(user.update_for(text="acme"))
    await harness.app.update_queue.put(user.update_for(text="/cancel", entities=[
        {"type": "bot_command", "offset": 0, "length": 7}]))
    await _drain(harness)
    texts = user.texts()
    # username asked, then password asked (the username was taken in order), then cancelled
    assert "用户名" in texts[0] and "密码" in texts[1] and "已退出当前操作" in texts[2]


async def test_conversation_survives_graceful_restart(harness: Harness) -> None:
    user = harness.user(2001)
    await user.command("login")
    await harness.restart()
    reply = await user.send("acme")
    assert "请输入密码" in reply.text


async def test_conversation_survives_crash_after_flush(harness: Harness) -> None:
    user = harness.user(2001)
    await user.command("login")
    await harness.flush()  # what the 1-second persistence job does on its own
    await harness.crash()
    await harness.start()
    assert current_flows(harness.app, 2001, 2001) == ["login"]
    reply = await user.send("acme")
    assert "请输入密码" in reply.text


async def test_idle_flow_ends_with_a_message_when_user_returns(harness: Harness, clock: ManualClock) -> None:
    user = harness.user(2001)
    await user.command("login")
    clock.advance(minutes=31)
    await user.send("acme")
    texts = user.texts()
    assert any("超过30分钟未操作" in t for t in texts)
    assert current_flows(harness.app, 2001, 2001) == []
    assert not any("请输入密码" in t for t in texts)


async def test_idle_sweep_ends_flows_and_tells_user(harness: Harness, clock: ManualClock) -> None:
    await logged_in(harness)
    user = harness.user(3001)
    await user.command("login")
    clock.advance(minutes=29)
    assert await sweep_idle(harness.app) == 0
    clock.advance(minutes=2)
    assert await sweep_idle(harness.app) == 1
    assert "超过30分钟未操作" in user.last.text
    assert current_flows(harness.app, 3001, 3001) == []
    assert await sweep_idle(harness.app) == 0


async def test_every_press_is_answered_even_forged(harness: Harness) -> None:
    user = harness.user(2001)
    for data in ["bk:add:new", "my:cancel:999", "st:bk:1", "zz:bad", "m:nonsense", "x" * 64]:
        await user.press_data(data)
    assert len(harness.api.answered) == 6


async def test_idle_sweep_runs_as_a_named_job(harness: Harness, clock: ManualClock) -> None:
    from bot.handlers.flow import SWEEP_JOB

    (job,) = harness.app.job_queue.get_jobs_by_name(SWEEP_JOB)
    user = harness.user(3001)
    await user.command("login")
    clock.advance(minutes=31)
    await job.run(harness.app)
    assert "超过30分钟未操作" in user.last.text
    assert current_flows(harness.app, 3001, 3001) == []


# ---------------------------------------------------------------- audit: switching, re-asking, odd input


async def test_a_button_of_another_flow_leaves_the_current_one(harness: Harness) -> None:
    """An old card's 「经办人信息」 pressed while entering an applicant: the next text is the contact's."""
    from bot.callbacks import pack
    from bot.handlers.applicants import DRAFT as APPLICANT_DRAFT
    from bot.rules.basket import BusinessType
    from bot.storage import repo
    from tests.support.applicants import ID_A, booked

    booking = await booked(harness, {BusinessType.NEW: 1})
    user = harness.user(1001)
    await user.press("下一步，即将完成预约")
    await user.press("新办 1/1")
    await user.send("张三")
    await user.press("居民身份证")
    await user.send(ID_A)  # now asked the applicant's phone
    assert current_flows(harness.app, 1001, 1001) == ["applicants"]
    await user.press_data(pack("my", "contact", booking.id))
    assert current_flows(harness.app, 1001, 1001) == ["my_bookings"]
    assert APPLICANT_DRAFT not in harness.app.user_data[1001]  # the typed id number went with its flow
    reply = await user.send("王芳")  # a name: before the fix it was refused as the applicant's phone
    assert reply.text.startswith("请输入经办人的11位手机号码")
    await user.send("13912345678")
    async with harness.deps.db.read() as conn:
        row = await repo.get_booking(conn, booking.id)
        [item] = await repo.items_of(conn, booking.id)
    assert (row.contact_name, row.contact_phone) == ("王芳", "13912345678") and not item.filled


async def test_a_wrong_answer_gets_the_question_with_its_buttons(harness: Harness) -> None:
    from tests.support.booking import to_basket

    await logged_in(harness)
    user = harness.user(1001)
    await to_basket(user)
    await user.press("返回")
    await user.press("修改")
    reply = await user.send("李雷2")
    assert reply.text.endswith("请输入经办人姓名：") and reply.labels == ["返回"]
    reply = await user.send_sticker()
    assert reply.labels == ["返回"]
    await harness.restart()  # the question's buttons are remembered with it
    reply = await user.send("李雷3")
    assert reply.text.endswith("请输入经办人姓名：") and reply.labels == ["返回"]
    panel = await user.press("返回", reply)  # the button of the re-asked question works
    assert "经办人：李雷 138****8000" in panel.text and "使用以上信息" in panel.labels


async def test_files_and_voice_at_a_text_step_get_the_question_again(harness: Harness) -> None:
    from tests.support.booking import to_basket

    await logged_in(harness)
    user = harness.user(1001)
    await to_basket(user)
    await user.press("返回")
    await user.press("修改")
    reply = await user.send_document(b"%PDF-1.4", "name.pdf", "application/pdf")
    assert "请直接输入文字" in reply.text and reply.text.endswith("请输入经办人姓名：")
    voice = {"file_id": "v1", "file_unique_id": "v1", "duration": 3}
    await user.feed(user.update_for(voice=voice))
    assert "请直接输入文字" in user.last.text and user.last.text.endswith("请输入经办人姓名：")
    reply = await user.send("韩梅梅")
    assert reply.text.startswith("请输入经办人手机号码")


async def test_text_at_a_button_step_points_to_the_panel(harness: Harness) -> None:
    from bot import texts
    from tests.support.booking import to_basket

    await logged_in(harness)
    user = harness.user(1001)
    await to_basket(user)
    reply = await user.send("2")
    assert reply.text == texts.USE_PANEL_BUTTONS and reply.labels == []
    assert current_flows(harness.app, 1001, 1001) == ["booking"]
    await user.command("cancel")
    reply = await user.send("2")  # outside a flow: the short help with the menu
    assert "没有理解" in reply.text and "业务预约" in reply.labels


async def test_an_edit_of_an_earlier_answer_is_ignored(harness: Harness) -> None:
    from telegram import Update

    from tests.support.booking import to_basket

    await logged_in(harness)
    user = harness.user(1001)
    await to_basket(user)
    await user.press("返回")
    await user.press("修改")
    await user.send("韩梅梅")  # now asked the phone
    typed = [m for m in harness.api.messages_in(1001) if not m.from_bot][-1]
    before = len(harness.api.calls)
    edit = {"message_id": typed.message_id, "date": int(time.time()), "edit_date": int(time.time()),
            "chat": harness.api.chats[1001], "from": user.user_json, "text": "韩梅"}
    await user.feed(Update.de_json({"update_id": 9_100_001, "edited_message": edit}, harness.app.bot))
    assert harness.api.calls[before:] == []
    reply = await user.send("13900139000")
    assert "合计：" in reply.text
    assert harness.app.user_data[1001]["draft_booking"].contact_name == "韩梅梅"


async def test_bot_data_holds_only_deps_the_runtime_state_is_typed(harness: Harness) -> None:
    """Whatever the running application keeps is a typed field of Deps.runtime, not a bot_data key."""
    await logged_in(harness)
    user = harness.user(1001)
    await user.command("me")
    await user.command("book")
    await run_due(harness.app)
    assert list(harness.app.bot_data) == ["deps"]
    runtime = harness.deps.runtime
    assert "booking" in [flow.name for flow in runtime.flows]
    assert runtime.catch_up is not None
    assert runtime.part(Courier) is not None
    assert runtime.part(Notifier) is not None
