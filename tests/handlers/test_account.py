"""我的账户 and /settings through the real Application."""

from __future__ import annotations

from bot import texts
from bot.harness import Harness
from bot.rules.freeze import month_key
from bot.storage import repo
from tests.support.clerks import logged_in


async def add_mismatches(h: Harness, unit_id: int, n: int) -> None:
    now = h.clock.now()
    async with h.deps.db.write() as conn:
        for _ in range(n):
            await repo.add_mismatch(conn, unit_id, None, month_key(now), 900001, now)


async def release_notice(h: Harness, user_id: int) -> bool:
    async with h.deps.db.read() as conn:
        user = await repo.get_tg_user(conn, user_id)
    assert user is not None
    return user.release_notice


async def test_account_shows_unit_clerks_and_mismatch_count(harness: Harness) -> None:
    unit = await logged_in(harness, 1001)
    colleague = harness.user(1002, "小王")
    await colleague.command("login")
    await colleague.send("acme")
    await colleague.send("Own-Password-9")
    await add_mismatches(harness, unit, 2)
    user = harness.user(1001)
    reply = await user.command("me")
    assert "单位：北京示例科技有限公司" in reply.text and "用户名：acme" in reply.text
    assert "已绑定的经办人：经办人（本人）、小王" in reply.text
    assert "材料不符：本月已计2次；再有2次将冻结本月预约权限" in reply.text and "预约权限：正常" in reply.text
    assert "09:00 放号提醒：开" in reply.text
    assert reply.labels == ["09:00 放号提醒：开", "退出登录", "主菜单"]
    reply = await colleague.command("me")
    assert "经办人、小王（本人）" in reply.text


async def test_frozen_after_four_mismatches_until_next_month(harness: Harness) -> None:
    unit = await logged_in(harness)
    await add_mismatches(harness, unit, 4)
    user = harness.user(1001)
    await user.command("start")
    reply = await user.press("我的账户")
    assert "材料不符：本月已计4次，本月预约权限已冻结，次月1日起可再次预约" in reply.text
    assert "4/3" not in reply.text and "自动解冻" not in reply.text


async def test_settings_toggle_the_release_notice(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    reply = await user.command("settings")
    assert "提醒设置" in reply.text and "09:00 放号提醒：开" in reply.text
    assert reply.labels == ["09:00 放号提醒：开", "退出登录", "主菜单"]
    assert await release_notice(harness, 1001) is True
    reply = await user.press("09:00 放号提醒")
    assert user.answer_of_last_press()["text"] == "已关闭09:00放号提醒。"
    assert "提醒设置" in reply.text and reply.labels[0] == "09:00 放号提醒：关"
    assert await release_notice(harness, 1001) is False
    # the toggle in 我的账户 switches it back on
    reply = await user.command("me")
    assert "09:00 放号提醒：关" in reply.text
    reply = await user.press("09:00 放号提醒：关")
    assert "我的账户" in reply.text and reply.labels[0] == "09:00 放号提醒：开"
    assert await release_notice(harness, 1001) is True


async def test_logout_from_settings_after_confirmation(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    await user.command("settings")
    reply = await user.press("退出登录")
    assert "确认退出登录" in reply.text and reply.labels == ["确认退出", "返回"]
    reply = await user.press("返回")
    assert "我的账户" in reply.text
    await user.press("退出登录")
    reply = await user.press("确认退出")
    assert "已退出登录" in reply.text
    async with harness.deps.db.read() as conn:
        assert (await repo.get_tg_user(conn, 1001)).unit_id is None
    reply = await user.command("me")
    assert reply.text == texts.NOT_LOGGED_IN


async def test_not_logged_in_is_refused(harness: Harness) -> None:
    user = harness.user(1005)
    assert (await user.command("me")).text == texts.NOT_LOGGED_IN
    assert (await user.command("settings")).text == texts.NOT_LOGGED_IN


async def test_an_old_logout_button_pressed_mid_flow_ends_the_flow(harness: Harness) -> None:
    from bot.handlers.flow import current_flows
    from tests.support.booking import to_basket

    await logged_in(harness)
    user = harness.user(1001)
    await user.command("me")
    await user.press("退出登录")
    confirm = user.last
    await to_basket(user)
    await user.press("返回")
    await user.press("修改")  # asked the contact's name
    await user.press("确认退出", confirm)
    assert "已退出登录" in confirm.text  # edited in place
    assert current_flows(harness.app, 1001, 1001) == []
    reply = await user.send("韩梅梅")
    assert "没有理解" in reply.text
    async with harness.deps.db.read() as conn:
        assert (await repo.get_tg_user(conn, 1001)).unit_id is None


async def test_release_notice_label_follows_the_configured_time(settings, clock) -> None:
    from datetime import time

    from bot.harness import Harness
    from tests.support.clerks import logged_in

    h = await Harness(settings.model_copy(update={"bot_release_notice_time": time(9, 5)}), clock).start()
    try:
        await logged_in(h)
        reply = await h.user(1001).command("settings")
        assert "09:05 放号提醒：开" in reply.text and "每个开放日09:05" in reply.text
    finally:
        await h.stop()
