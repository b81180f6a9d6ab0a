"""A staff member's day (issue 11) through the real Application: the 工作台, phones in full and
audited ID reveals, reasons for 不通过/材料不符, every screen in Chinese, exports safe to open,
a chart for a phone, picking new staff, one-time passwords that leave the chat, imports."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Mapping
from datetime import date

from openpyxl import Workbook, load_workbook

from bot.fake_telegram import FakeMessage, FakeUser
from bot.handlers import menus
from bot.harness import Harness
from bot.jobs.ephemeral import job_name
from bot.rules.applicant import Applicant, IdType
from bot.rules.basket import BusinessType
from bot.rules.states import BookingState
from bot.storage import repo
from bot.storage.models import Booking
from tests.support import at
from tests.support.clerks import logged_in, make_unit

ADMIN = 900001
STAFF = 900002
NEW, RENEW = BusinessType.NEW, BusinessType.RENEW
PEOPLE = [("张三", "11010519491231002X"), ("李雷", "110105199001011232"), ("韩梅梅", "110105198807070026")]


async def book(h: Harness, unit_id: int, day: date, session: str = "am",
               counts: Mapping[BusinessType, int] | None = None, *, user_id: int | None = None,
               fill: bool = True) -> Booking:
    """A booking made through the booking service; its applicants filled (待办理) if ``fill``."""
    booking = await h.deps.bookings.book(
        unit_id=unit_id, user_id=user_id, day=day, session=session, counts=counts or {NEW: 1},
        contact_name="李四", contact_phone="13800138000",
    )
    await h.courier.deliver_booking(booking.id)  # its receipt, as after 「确定」
    if fill:
        now = h.clock.now()
        async with h.deps.db.write() as conn:
            for item, (name, id_number) in zip(await repo.items_of(conn, booking.id), PEOPLE, strict=False):
                await repo.fill_item(conn, item.id, {
                    "name": name, "id_type": "resident", "id_number": id_number, "phone": "13912345678",
                    "permit_number": "GZ20201234" if item.business is not NEW else None,
                    "change_description": None,
                }, now)
            await repo.set_booking_state(conn, booking.id, BookingState.INCOMPLETE, BookingState.PENDING, now)
    return booking


async def named_staff(h: Harness, user_id: int = STAFF, name: str = "王工") -> FakeUser:
    """A staff member added by the admin, with a name."""
    async with h.deps.db.write() as conn:
        await repo.add_staff(conn, user_id, name, ADMIN, h.clock.now())
    return h.user(user_id, name)


# ---------------------------------------------------------------- the 工作台


async def test_staff_start_on_the_console_whose_buttons_reach_every_command(harness: Harness) -> None:
    admin = harness.user(ADMIN, "赵主任")
    reply = await admin.command("start")
    assert reply.text.startswith("🛠 工作台") and "请先使用本单位的预约账户登录" not in reply.text
    # every staff command is reachable by a button of the 工作台
    reaches = {
        "schedule": ("今日日程", "2026年12月1日（周二） 日程"), "find": ("查询", "请输入预约编号"),
        "capacity": ("容量与关闭", "时段容量"), "calendar": ("工作日历", "🗓 工作日历"),
        "export": ("导出今日", "预约日程导出"), "chart": ("利用率图表", "未来可约日号源利用率"),
        "units": ("单位账户", "单位账户管理"), "broadcast": ("群发通知", "群发"), "stats": ("统计", "统计："),
        "staffadmin": ("工作人员管理", "👥 工作人员管理"), "staff": ("工作台", "🛠 工作台"),
        "checkin": ("输入编号签到", "预约编号"),
    }
    assert {c.command for c in [*menus.STAFF_COMMANDS, *menus.ADMIN_COMMANDS]} == set(reaches)
    for command, (label, shown) in reaches.items():
        await admin.command("start")
        await admin.press(label, exact=True)
        assert shown in admin.last.shown, (command, admin.last.shown)
    # a clerk still gets the clerk's welcome
    clerk = harness.user(1009)
    assert "请先使用本单位的预约账户登录" in (await clerk.command("start")).text


# ---------------------------------------------------------------- phones in full, IDs revealed on purpose


async def test_card_shows_phones_in_full_and_reveals_ids_with_an_audit_line_naming_the_staff(
        harness: Harness) -> None:
    acme = await logged_in(harness)
    booking = await book(harness, acme, date(2026, 12, 2), counts={NEW: 1, RENEW: 1})
    staff = await named_staff(harness)
    card = await staff.command("find", booking.code)
    assert "经办人：李四 13800138000" in card.text
    assert "110105********002X" in card.text and "11010519491231002X" not in card.text
    item = await staff.press("续办1/1 李雷")
    assert "手机：13912345678" in item.text and "证件：居民身份证 110105********1232" in item.text
    assert "工作居住证编号：GZ******34" in item.text and "GZ20201234" not in item.text
    assert "显示证件号" in item.labels
    async with harness.deps.db.read() as conn:
        before = len(await repo.history(conn, "booking", booking.id))
    shown = await staff.press("显示证件号")
    assert "证件：居民身份证 110105199001011232" in shown.text and "工作居住证编号：GZ20201234" in shown.text
    assert "已记入审计日志" in shown.text and "隐藏证件号" in shown.labels
    async with harness.deps.db.read() as conn:
        lines = await repo.history(conn, "booking", booking.id)
    [reveal] = lines[before:]
    assert (reveal.actor, reveal.action) == (f"tg:{STAFF}", "reveal_id")
    after = json.loads(reveal.after or "{}")
    assert after["staff"] == "王工" and after["item"] == (await harness.deps.bookings.items(booking.id))[1].id
    assert "110105199001011232" not in (reveal.after or "")  # the log says who saw whose, not the number
    hidden = await staff.press("隐藏证件号")
    assert "110105********1232" in hidden.text
    await staff.press("返回")
    history = await staff.press("历史记录")
    assert "王工 查看证件号〔续办1〕：工作人员：王工" in history.text
    # an unfilled applicant has nothing to reveal; a forged reveal is refused
    await staff.press_data("st:idr:999")
    assert staff.answer_of_last_press()["show_alert"] is True


# ---------------------------------------------------------------- reasons and confirmation


async def test_a_mismatch_needs_a_reason_and_a_confirmation_and_an_old_confirmation_is_refused(
        harness: Harness) -> None:
    acme = await logged_in(harness)
    booking = await book(harness, acme, date(2026, 12, 2))
    clerk = harness.user(1001)
    clerk.new_messages()
    staff = await named_staff(harness)
    await staff.command("find", booking.code)
    reply = await staff.press("材料不符", exact=True)
    assert "审核「张三（新办1）」为【材料不符】" in reply.text
    assert reply.labels == ["姓名不一致", "证件号码不一致", "业务类型不符", "单位信息不符", "返回"]
    reply = await staff.press("返回")  # leaving saves nothing
    assert "审核：未审核" in reply.text
    await staff.press("材料不符", exact=True)
    reply = await staff.send("很" * 201)
    assert "最多200个字" in reply.text and "【材料不符】" in reply.text and "姓名不一致" in reply.labels
    first = await staff.send("营业执照名称与单位不一致")
    assert "确认将「张三（新办1）」审核为【材料不符】？" in first.text and "修改截止前更正" in first.text
    panel = staff.bot_messages()[-3]  # the reason panel (the card, edited in place)
    await staff.press("证件号码不一致", message=panel)  # a quick pick instead: a new confirmation
    second = harness.api.messages[panel.message_id]
    assert "原因：证件号码不一致" in second.text
    # nothing is told or counted before the confirmation; the first confirmation is stale now
    assert clerk.new_messages() == []
    await staff.press("确认", message=first, exact=True)
    assert "已失效" in staff.answer_of_last_press()["text"]
    async with harness.deps.db.read() as conn:
        [item] = await repo.items_of(conn, booking.id)
        assert item.review is None and await repo.mismatch_times(conn, acme, "2026-12") == []
    confirm = dict(second.buttons)["确认"]
    await staff.press("确认", message=second, exact=True)
    reply = harness.api.messages[panel.message_id]  # the confirmation became the card again
    assert "已记录：张三（新办）材料不符" in reply.text
    # the card says where the mismatch stands
    assert "审核：材料不符（证件号码不一致）·待更正" in reply.text
    assert "新办1/1 张三：材料不符·待更正" in reply.labels
    [notice] = clerk.new_messages()
    assert "审核结果：材料不符" in notice.text and "原因：证件号码不一致" in notice.text
    async with harness.deps.db.read() as conn:
        [item] = await repo.items_of(conn, booking.id)
    assert (item.review, item.review_reason) == ("mismatch", "证件号码不一致")
    # pressing the used confirmation again (a forwarded copy, a double tap) does nothing
    await staff.press_data(confirm, message=reply)
    assert "已失效" in staff.answer_of_last_press()["text"]


# ---------------------------------------------------------------- every staff screen in Chinese


ALLOWED_WORDS = {"Telegram", "Excel", "CSV", "XLSX", "UTF", "ID", "CY"}


def foreign_words(text: str, allowed: set[str]) -> list[str]:
    """ASCII words of three or more lower-case letters (or _) that are not an allowed term.

    Commands (/schedule) and booking codes are allowed; so are the unit usernames
    the test created (their own data, shown on purpose).
    """
    text = re.sub(r"/[a-z_]+", " ", text)
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)
    return [w for w in words if re.search(r"[a-z_]{3,}", w) and w not in allowed]


async def test_no_staff_screen_shows_an_internal_key_for_a_booking_in_any_state(harness: Harness) -> None:
    """Every state reached through the services, so that each audit line a booking can carry
    (booking, applicants, change of counts, reviews, reveal, outcome, rating, cancel, release,
    revoke) is on its history screen."""
    h = harness
    h.clock.set(at("2026-12-02 10:00"))
    day = date(2026, 12, 3)
    units = {state: await logged_in(h, 1001 + n, f"unit{n}", f"北京第{n}科技有限公司")
             for n, state in enumerate(BookingState)}
    bookings: dict[BookingState, Booking] = {}
    for n, (state, unit_id) in enumerate(units.items()):
        user = 1001 + n
        b = await h.deps.bookings.book(unit_id=unit_id, user_id=user, day=day, session="am" if n % 2 else "pm",
                                       counts={NEW: 1, BusinessType.EMPLOYER_CHANGE: 1}, contact_name="李四",
                                       contact_phone="13800138000")
        if state not in (BookingState.INCOMPLETE, BookingState.RELEASED):  # released: left incomplete
            for item, (name, number) in zip(await h.deps.bookings.items(b.id), PEOPLE, strict=False):
                extra = {"permit_number": "GZ20201234", "change_description": "单位名称变更"} \
                    if item.business is not NEW else {}
                applicant = Applicant(name=name, id_type=IdType.RESIDENT, id_number=number, phone="13912345678",
                                      **extra)
                await h.deps.applicants.save_item(b.id, item.id, unit_id=unit_id, user_id=user, applicant=applicant)
        if state is BookingState.CANCELLED:
            await h.deps.bookings.cancel(b.id, unit_id=unit_id, user_id=user)
        if state is BookingState.RELEASED:
            await h.deps.bookings.release(b.id)
        bookings[state] = b
    h.clock.set(at("2026-12-03 10:00"))
    staff_svc = h.deps.staff
    for state in (BookingState.SERVED, BookingState.NO_SHOW):
        await staff_svc.set_outcome(STAFF, bookings[state].id, "serve" if state is BookingState.SERVED else "no_show")
    served = bookings[BookingState.SERVED]
    await h.deps.evaluations.rate(served.id, unit_id=units[BookingState.SERVED], user_id=1001, rating=4,
                                  comment="窗口服务很耐心")
    await staff_svc.revoke(STAFF, bookings[BookingState.REVOKED].id, "重复预约")
    async with h.deps.db.read() as conn:
        states = {s: (await repo.get_booking(conn, b.id)).state for s, b in bookings.items()}  # type: ignore[union-attr]
    assert states == {s: s for s in BookingState}
    staff = await named_staff(harness)
    pending = bookings[BookingState.PENDING]
    # reviews of every kind, a reveal, a revoke: their audit lines are on the history screens
    await staff.command("find", pending.code)
    await staff.press("通过", exact=True)
    fail = [d for label, d in staff.last.buttons if label == "不通过"][1]
    await staff.press_data(fail)
    await staff.press("材料不齐全")
    await staff.press("确认", exact=True)
    other = bookings[BookingState.SERVED]  # a mismatch given after the deadline (counted at once)
    await staff.command("find", other.code)
    await staff.press("材料不符", exact=True)
    await staff.press("姓名不一致")
    await staff.press("确认", exact=True)
    await h.deps.arrivals.check_in(STAFF, pending.id)
    screens: list[FakeMessage | None] = []
    for b in bookings.values():
        card = await staff.command("find", b.code)
        screens.append(card)
        for label, _ in [x for x in card.buttons if re.match(r"(新办|续办|单位信息变更)\d", x[0])]:
            screens.append(await staff.press(label))
            if "显示证件号" in staff.last.labels:
                screens.append(await staff.press("显示证件号"))
            await staff.command("find", b.code)
        screens.append(await staff.press("历史记录"))
        await staff.command("find", b.code)
        screens.append(await staff.press("单位信息"))
    await staff.command("find", served.code)
    screens.append(await staff.press("撤销预约") if "撤销预约" in staff.last.labels else None)
    for command, args in (("staff", ""), ("schedule", "12月3日"), ("capacity", "12月3日"), ("calendar", ""),
                          ("stats", "2026-12-01至2026-12-31"), ("units", "unit1"), ("staffadmin", "")):
        screens.append(await (harness.user(ADMIN) if command == "staffadmin" else staff).command(command, args))
    await staff.command("export", "12月3日")
    screens += staff.new_messages()
    await staff.command("capacity", "12月3日")
    screens.append(await staff.press("关闭整日"))
    screens.append(await staff.command("broadcast"))
    screens.append(await staff.send("明天上午系统维护"))
    screens.append(await staff.press("某日有预约的经办人"))
    screens.append(await staff.press("12月3日"))
    await staff.command("units", "unit1")
    screens.append(await staff.press("（unit1）"))
    screens.append(await staff.press("解绑经办人"))
    screens.append(await staff.command("chart"))
    screens.append(await staff.command("checkin"))
    await staff.command("calendar")
    screens.append(await staff.press("设置调整"))
    screens.append(await staff.send("12月5日"))
    screens.append(await staff.press("工作日"))
    screens.append(await staff.send("调休上班"))
    allowed = ALLOWED_WORDS | {f"unit{n}" for n in range(len(units))}
    seen = [m for m in screens if m is not None]
    assert len(seen) > 40
    bad = {w: m.shown[:80] for m in seen for w in foreign_words(m.shown + " " + " ".join(m.labels), allowed)}
    assert bad == {}
    # and what the history screens say, in words
    hist = "\n".join(m.shown for m in seen if "历史记录" in m.shown)
    assert not re.search(r"\d\d:\d\d \S+ 操作", hist)  # every action of the audit log has a name
    assert "王工 材料不符待更正〔新办1〕：材料不符：—→待更正；修改截止：2026年12月2日（周三）24:00" in hist and "王工 签到：方式：预约卡片" in hist
    assert "王工 审核〔单位信息变更1〕：审核：未审核→不通过；原因：—→材料不齐全" in hist
    assert "填写申请人〔新办1〕：业务：新办；序号：1；姓名：" in hist and "证件类型：居民身份证" in hist
    assert "满意度评价：评分：满意；留言：7字" in hist and "王工 已办理：状态：待办理→已办理" in hist


# ---------------------------------------------------------------- exports


async def test_export_of_a_hostile_unit_name_opens_as_text_not_a_formula(harness: Harness) -> None:
    hostile = '=HYPERLINK("http://evil.example","点我")'
    unit, _ = await harness.deps.accounts.create_unit("evil", hostile, password="Start-Pass-1", actor="cli")
    booking = await book(harness, unit.id, date(2026, 12, 2), counts={NEW: 2})
    async with harness.deps.db.write() as conn:
        items = await repo.items_of(conn, booking.id)
        await repo.fill_item(conn, items[1].id, {
            "name": "@SUM(A1:A9)", "id_type": "resident", "id_number": PEOPLE[1][1], "phone": "13912345678",
            "permit_number": None, "change_description": None}, harness.clock.now())
    staff = await named_staff(harness)
    await staff.command("export", "12月2日")
    csv_doc, xlsx_doc = [m.document for m in staff.new_messages() if m.document]
    rows = list(csv.reader(io.StringIO(csv_doc[1].decode("utf-8-sig"))))
    assert rows[1][3] == "'" + hostile and rows[2][6] == "'@SUM(A1:A9)"
    assert rows[1][11] == "13800138000"  # the clerk's phone in full
    book_ = load_workbook(io.BytesIO(xlsx_doc[1]))
    sheet = book_.active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula anywhere
    unit_cell, name_cell = sheet["D2"], sheet["G3"]
    assert (unit_cell.value, unit_cell.data_type, unit_cell.quotePrefix) == (hostile, "s", True)
    assert (name_cell.value, name_cell.data_type) == ("@SUM(A1:A9)", "s")
    with zipfile.ZipFile(io.BytesIO(xlsx_doc[1])) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    assert re.search(r'<c r="D2"[^>]*t="inlineStr"', sheet_xml)  # a string cell, not a formula


async def test_export_over_a_range_has_one_row_per_applicant_with_review_and_reason(harness: Harness) -> None:
    acme = await logged_in(harness)
    first = await book(harness, acme, date(2026, 12, 2), counts={NEW: 2})
    await book(harness, acme, date(2026, 12, 4), fill=False)
    staff = await named_staff(harness)
    await staff.command("find", first.code)
    fail = [d for label, d in staff.last.buttons if label == "不通过"][0]
    await staff.press_data(fail)
    await staff.send("劳动合同缺页")
    await staff.press("确认", exact=True)
    await staff.command("export", "12月2日至12月4日")
    csv_doc = [m.document for m in staff.new_messages() if m.document][0]
    rows = list(csv.reader(io.StringIO(csv_doc[1].decode("utf-8-sig"))))
    assert [(r[1], r[4], r[5], r[6], r[7], r[8], r[9]) for r in rows[1:]] == [
        ("2026-12-02", "新办", "1", "张三", "不通过", "劳动合同缺页", "待办理"),
        ("2026-12-02", "新办", "2", "李雷", "未审核", "", "待办理"),
        ("2026-12-04", "新办", "1", "（未填写）", "未填写", "", "待完善信息"),
    ]
    assert csv_doc[0] == "schedule_20261202-20261204.csv"


# ---------------------------------------------------------------- the chart


def test_chart_for_a_phone_keeps_every_label_at_least_14_px_tall() -> None:
    from datetime import time, timedelta

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    from bot.exports import CHART_WIDTH, MIN_LABEL_PX, utilisation_figure, utilisation_png
    from bot.rules.capacity import Availability, SessionSpec

    am, pm = SessionSpec("am", "上午", time(9), time(12)), SessionSpec("pm", "下午", time(13, 30), time(17))
    cells = [Availability(date(2026, 12, 2) + timedelta(days=d), s, 540, 90 * d, d == 3)
             for d in range(5) for s in (am, pm)]
    figure = utilisation_figure(cells)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    width, _ = canvas.get_width_height()
    assert width == CHART_WIDTH == 720
    texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
    labels = {t.get_text(): t.get_window_extent(renderer).height for t in texts}
    assert "12/2 周三 上午" in labels and "12/5 周六 上午" in labels and "已关闭" in labels
    assert min(labels.values()) >= MIN_LABEL_PX >= 14, labels
    png = utilisation_png(cells)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 720


# ---------------------------------------------------------------- adding staff


async def test_admin_adds_staff_by_picking_them_or_forwarding_their_message(harness: Harness) -> None:
    admin = harness.user(ADMIN)
    await admin.command("staffadmin")
    ask = await admin.press("添加工作人员")
    assert "选择联系人" in ask.text
    [[pick]] = admin.reply_keyboard or [[]]
    assert pick["text"] == "👤 选择联系人" and pick["request_users"]["request_id"] == 1
    assert pick["request_users"]["user_is_bot"] is False and pick["request_users"]["max_quantity"] == 1
    listing = await admin.share_user(1, 555001, "王", "小工")
    added = admin.bot_messages()[-2]
    assert "已添加工作人员 王 小工" in added.text and "· 王 小工" in listing.text
    assert admin.reply_keyboard is None  # the picker is taken away
    assert {c["command"] for c in harness.api.commands["chat:555001"]} >= {"schedule", "staff"}

    await admin.press("添加工作人员")
    listing = await admin.forward_from({"id": 555002, "first_name": "李", "last_name": "工"}, "你好，我是李工")
    assert "· 李 工" in listing.text
    await admin.press("添加工作人员")
    reply = await admin.forward_from(None, "隐藏了来源的消息")
    assert "隐私设置" in reply.text
    reply = await admin.send("555003 赵\u202e工")
    assert "不能包含换行、制表符或其他控制字符" in reply.text
    reply = await admin.send("555003 赵工")
    async with harness.deps.db.read() as conn:
        assert await repo.list_staff(conn) == [(555001, "王 小工"), (555002, "李 工"), (555003, "赵工")]
        lines = [await repo.history(conn, "staff", uid) for uid in (555001, 555002, 555003)]
    assert all(line[-1].action == "add_staff" and line[-1].actor == f"tg:{ADMIN}" for line in lines)
    # a share that no question asked for is not taken as an answer
    await admin.share_user(1, 555004, "钱")
    async with harness.deps.db.read() as conn:
        assert 555004 not in dict(await repo.list_staff(conn))


async def test_unit_names_with_control_characters_are_refused(harness: Harness) -> None:
    staff = await named_staff(harness)
    await staff.command("units")
    await staff.press("新建单位")
    await staff.send("newunit")
    reply = await staff.send("北京\u200b示例公司")
    assert "控制字符" in reply.text and "单位名称" in reply.text
    await staff.send("北京示例公司")
    async with harness.deps.db.read() as conn:
        unit = await repo.get_unit_by_username(conn, "newunit")
    assert unit is not None and unit.name == "北京示例公司"


# ---------------------------------------------------------------- one-time passwords


async def test_one_time_password_message_is_deleted_on_copied_or_after_a_few_minutes(harness: Harness) -> None:
    staff = await named_staff(harness)
    await staff.command("units")
    await staff.press("新建单位")
    await staff.send("first")
    shown = await staff.send("北京第一公司")
    assert "一次性密码：" in shown.text and "已抄录" in shown.labels
    await staff.press("已抄录")
    assert harness.api.messages[shown.message_id].deleted
    assert staff.last.text == "含一次性密码的消息已删除。" and "返回单位" in staff.last.labels

    await staff.command("units")
    await staff.press("新建单位")
    await staff.send("second")
    shown = await staff.send("北京第二公司")
    name = job_name(shown.chat_id, shown.message_id)
    assert harness.app is not None and harness.app.job_queue is not None
    [job] = harness.app.job_queue.get_jobs_by_name(name)
    await harness.flush()
    await harness.restart()  # the pending deletion survives a restart
    [job] = harness.app.job_queue.get_jobs_by_name(name)
    await job.run(harness.app)
    assert harness.api.messages[shown.message_id].deleted
    assert harness.app.user_data[STAFF].get("otp_messages") == []
    # pressing 已抄录 on the message the job already deleted changes nothing
    await staff.press("已抄录", message=shown)


# ---------------------------------------------------------------- imports, stats, dates


async def test_units_import_takes_chinese_headers_and_xlsx(harness: Harness) -> None:
    staff = await named_staff(harness)
    await staff.command("units")
    await staff.press("导入表格")
    content = "用户名,单位名称,密码\r\nalpha,北京甲科技有限公司,\r\nbeta,北京乙科技有限公司,Given-Pass-1\r\n"
    reply = await staff.send_document(content.encode("utf-8-sig"), "units.csv")
    assert reply.document is not None and "已导入2个单位" in staff.bot_messages()[-2].text
    book_ = Workbook()
    sheet = book_.active
    assert sheet is not None
    sheet.append(["用户名", "单位名称", "密码"])
    sheet.append(["gamma", "北京丙科技有限公司", 12345678.0])  # Excel made the password a number
    sheet.append(["delta", "北京丁科技有限公司", None])
    out = io.BytesIO()
    book_.save(out)
    await staff.command("units")
    await staff.press("导入表格")
    await staff.send_document(out.getvalue(), "units.xlsx",
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    async with harness.deps.db.read() as conn:
        names = {u: (await repo.get_unit_by_username(conn, u)) for u in ("alpha", "beta", "gamma", "delta")}
    assert all(names.values())
    assert await harness.deps.accounts.unit_by_username("gamma") is not None
    await staff.command("units")
    await staff.press("导入表格")
    reply = await staff.send_document(b"not a workbook", "broken.xlsx")
    assert "无法读取该 Excel 文件" in reply.text


async def test_stats_show_the_satisfaction_comments(harness: Harness) -> None:
    unit_id = await make_unit(harness)
    b = await book(harness, unit_id, date(2026, 12, 2))
    now = harness.clock.now()
    async with harness.deps.db.write() as conn:
        await repo.set_booking_state(conn, b.id, BookingState.PENDING, BookingState.SERVED, now)
        await repo.add_evaluation(conn, b.id, 2, "等候时间太长", None, now)
    staff = await named_staff(harness)
    reply = await staff.command("stats", "12月1日至12月31日")
    assert "评价留言（共1条）：" in reply.text
    assert "· 12月2日 北京示例科技有限公司（不满意）：等候时间太长" in reply.text


async def test_every_staff_command_reads_the_same_dates(harness: Harness) -> None:
    harness.clock.set(at("2026-11-20 10:00"))
    staff = await named_staff(harness)
    assert "2026年12月2日（周三） 日程" in (await staff.command("schedule", "12月2日")).text
    assert "2026年12月2日（周三） 时段容量" in (await staff.command("capacity", "12-2")).text
    reply = await staff.command("stats", "11月1日至11月30日")
    assert "统计：2027年11月1日（周一） 至 2027年11月30日（周二）" in reply.text  # no year: the next such dates
    await staff.command("calendar")
    await staff.press("设置调整")
    reply = await staff.send("2月7日")  # typed in November: next February, not "already past"
    assert "2027年2月7日（周日） 当前为" in reply.text
    reply = await staff.command("export", "12月1日至11月30日")  # 2026-12-01 … 2027-11-30
    assert "导出范围最多62天" in reply.text


def test_long_screens_are_cut_by_what_telegram_counts() -> None:
    from bot.texts.staff.common import MESSAGE_LIMIT, fit_message, utf16_units

    text = "\n".join(f"{n} 😀😀😀 北京示例科技有限公司" for n in range(400))  # emoji: two units each
    cut = fit_message(text, "……其余请导出。")
    assert utf16_units(cut) <= MESSAGE_LIMIT < 4096 and cut.endswith("……其余请导出。")
    assert utf16_units(cut) > len(cut)  # counted in code points it would have been cut too late
    assert fit_message("短", "尾") == "短"
