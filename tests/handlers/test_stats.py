"""/stats through the real Application, on the seeded week of tests/support/stats.py."""

from __future__ import annotations

from bot.harness import Harness
from tests.support.clerks import logged_in
from tests.support.stats import seed

ADMIN = 900001


async def test_stats_of_a_typed_range(harness: Harness) -> None:
    await seed(harness.deps.db, harness.clock.now())
    staff = harness.user(ADMIN)
    reply = await staff.command("stats", "2026-12-01 2026-12-07")
    text = reply.text
    assert "统计：2026年12月1日（周二） 至 2026年12月7日（周一）" in text
    assert "预约总数：9" in text
    for line in ("待完善信息：1", "待办理：1", "已办理：3", "未到：1", "已取消：1", "已释放：1", "已撤销：1"):
        assert f"· {line}" in text
    assert "已约时长：195 / 4780 分钟（利用率 4.1%）" in text and "5个工作日" in text
    assert "未到率：25.0%（未到 1 / 已办理+未到 4）" in text
    assert "满意度：平均 4.00 分（共3条评价" in text
    for line in ("非常满意（5分）：1", "满意（4分）：1", "基本满意（3分）：1", "不满意（2分）：0", "非常不满意（1分）：0"):
        assert f"· {line}" in text
    assert reply.labels == ["上月", "本月"]


async def test_stats_default_month_buttons_and_typed_ranges(harness: Harness) -> None:
    await seed(harness.deps.db, harness.clock.now())
    staff = harness.user(ADMIN)
    reply = await staff.command("stats")
    assert "2026年12月1日（周二） 至 2026年12月31日（周四）" in reply.text and "预约总数：10" in reply.text
    reply = await staff.press("上月")
    assert "2026年11月1日（周日） 至 2026年11月30日（周一）" in reply.text
    assert "预约总数：1" in reply.text and "满意度：平均 1.00 分" in reply.text
    reply = await staff.send("12月")
    assert "日期格式不正确" in reply.text and "日期范围" in reply.text
    reply = await staff.send("2026-12-07 2026-12-01")
    assert "结束日期不能早于开始日期" in reply.text
    reply = await staff.send("2026-12-01 2026-12-07")
    assert "预约总数：9" in reply.text
    # the range was answered: the next text is not taken as another range
    reply = await staff.send("2026-11-01 2026-11-30")
    assert "没有理解" in reply.text


async def test_stats_refused_to_clerks(harness: Harness) -> None:
    await logged_in(harness)
    clerk = harness.user(1001)
    reply = await clerk.command("stats")
    assert "没有理解" in reply.text and "统计" not in reply.text
    await clerk.press_data("st:srange:20261201:20261231")
    assert "失效" in clerk.answer_of_last_press().get("text", "")


async def test_stats_of_one_day_and_across_a_month_boundary(harness: Harness) -> None:
    await seed(harness.deps.db, harness.clock.now())
    staff = harness.user(ADMIN)
    # one day: a single typed date is that day's range
    reply = await staff.command("stats", "2026-12-01")
    assert "统计：2026年12月1日（周二） 至 2026年12月1日（周二）" in reply.text
    assert "预约总数：2" in reply.text and "已约时长：45 / 1170 分钟" in reply.text and "1个工作日" in reply.text
    assert "未到率：50.0%（未到 1 / 已办理+未到 2）" in reply.text and "满意度：平均 5.00 分（共1条评价" in reply.text
    # the last day of November and the first of December, in the formats the other staff commands take
    reply = await staff.command("stats", "2026-11-30~12-1")
    assert "2026年11月30日（周一） 至 2026年12月1日（周二）" in reply.text and "预约总数：3" in reply.text
    assert "满意度：平均 3.00 分（共2条评价" in reply.text
    # an empty range: a weekend with nothing booked
    reply = await staff.command("stats", "2026-12-12 2026-12-13")
    assert "预约总数：0" in reply.text and "已约时长：0 / 0 分钟（利用率 —）" in reply.text
    assert "未到率：—" in reply.text and "满意度：暂无评价" in reply.text and "0个工作日" in reply.text
