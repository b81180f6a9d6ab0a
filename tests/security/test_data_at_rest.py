"""Where identity and phone numbers rest in the database, and how long.

Raw numbers belong in ``booking_items`` (the applicant) and ``bookings.contact_phone``
(the 经办人 the centre calls). Everywhere else — the audit log, notifications,
broadcasts, conversation states — only masked forms may appear; ``user_data`` holds
them only while the clerk is typing them in. Deleted rows must not leave the
numbers readable in the file's free pages either (``secure_delete``).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from bot.handlers.flow import current_flows
from bot.harness import Harness
from bot.notice import ACCEPT_LABEL
from bot.rules.applicant import mask_id_number, mask_phone
from bot.rules.basket import BusinessType
from bot.storage import repo
from tests.support.booking import tap
from tests.support.clerks import logged_in
from tests.support.personal import APPLICANT_PHONE, CONTACT_PHONE, ID_NUMBER, NEW_CONTACT_PHONE

ALLOWED = {("booking_items", "id_number"), ("booking_items", "phone"), ("bookings", "contact_phone")}
RAW = (ID_NUMBER, APPLICANT_PHONE, CONTACT_PHONE, NEW_CONTACT_PHONE)
OTHER_PHONE = "18612345678"


def found_in(path: Path, secrets: tuple[str, ...]) -> set[tuple[str, str]]:
    """(table, column) of every cell in the database file that contains one of ``secrets``."""
    conn = sqlite3.connect(path)
    try:
        hits = set()
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cur = conn.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from sqlite_master
            columns = [d[0] for d in cur.description]
            for row in cur:
                for column, value in zip(columns, row):
                    if value is not None and any(s in str(value) for s in secrets):
                        hits.add((table, column))
        return hits
    finally:
        conn.close()


async def _book_and_fill(h: Harness) -> None:
    """A clerk books one 新办 and completes its applicant through the chat."""
    clerk = h.user(1001)
    await clerk.press("业务预约")
    await clerk.press(ACCEPT_LABEL)
    await clerk.press("填写经办人信息")
    await clerk.send("韩梅梅")
    await clerk.send(CONTACT_PHONE)
    await tap(clerk, "add", BusinessType.NEW)
    await clerk.press("查询可预约信息")
    await clerk.press("12/3 下午")
    await clerk.press("确定", exact=True)
    await clerk.press("下一步，即将完成预约")
    await clerk.press("新办 1/1")
    await clerk.send("李雷")
    await clerk.press("居民身份证")
    await clerk.send(ID_NUMBER)
    await clerk.send(APPLICANT_PHONE)
    assert "待办理" in (await clerk.press("确认保存")).text


async def test_raw_numbers_rest_only_in_the_booking_tables(harness: Harness) -> None:
    await logged_in(harness)
    await _book_and_fill(harness)
    clerk = harness.user(1001)
    await clerk.command("my")
    await clerk.press("修改信息")
    await clerk.press("经办人")
    await clerk.press("姓名不变")
    await clerk.send(NEW_CONTACT_PHONE)
    # correct the applicant's phone: the audit line keeps before and after, masked
    await clerk.command("my")
    await clerk.press("修改信息")
    await clerk.press("申请人信息")
    await clerk.press("新办 1/1")
    await clerk.press("修改手机号码")
    await clerk.send(OTHER_PHONE)
    await clerk.press("确认保存")
    async with harness.deps.db.read() as conn:
        [entry] = [e for e in await repo.history(conn, "booking", 1) if e.action == "applicant" and e.before]
    before, after = json.loads(entry.before or "{}"), json.loads(entry.after or "{}")
    assert before["phone"] == mask_phone(APPLICANT_PHONE) and after["phone"] == mask_phone(OTHER_PHONE)
    assert after["id_number"] == mask_id_number(ID_NUMBER)
    admin = harness.user(900001)
    await admin.command("find", "CY20261203-001")
    await admin.press("历史记录")
    await admin.command("broadcast")
    await harness.flush()
    assert found_in(harness.settings.bot_db_path, (*RAW, OTHER_PHONE)) <= ALLOWED
    assert ("booking_items", "id_number") in found_in(harness.settings.bot_db_path, RAW)


async def test_a_draft_left_by_cancel_or_by_another_menu_keeps_no_numbers(harness: Harness) -> None:
    """Typed applicant data waits only while its flow runs: /cancel or another menu drops it."""
    await logged_in(harness)
    await _book_and_fill(harness)
    clerk = harness.user(1001)
    db = harness.settings.bot_db_path

    # reopening a saved applicant loads its numbers into the draft for review ...
    await clerk.command("my")
    await clerk.press("修改信息")
    await clerk.press("申请人信息")
    await clerk.press("新办 1/1")
    await harness.flush()
    assert ("user_data", "data") in found_in(db, (ID_NUMBER,))
    # ... and leaving with /cancel must not keep them
    await clerk.command("cancel")
    await harness.flush()
    assert found_in(db, RAW) <= ALLOWED

    # typing a new number, then switching to another menu
    await clerk.command("my")
    await clerk.press("修改信息")
    await clerk.press("申请人信息")
    await clerk.press("新办 1/1")
    await clerk.press("修改证件")
    await clerk.press("居民身份证")
    await clerk.send(ID_NUMBER)
    await clerk.command("history")
    assert "applicants" not in current_flows(harness.app, 1001, 1001)
    await harness.flush()
    assert found_in(db, RAW) <= ALLOWED


async def test_logout_forgets_the_drafts(harness: Harness) -> None:
    await logged_in(harness)
    await _book_and_fill(harness)
    clerk = harness.user(1001)
    await clerk.command("my")
    await clerk.press("修改信息")
    await clerk.press("申请人信息")
    await clerk.press("新办 1/1")
    await clerk.command("logout")
    await harness.flush()
    assert found_in(harness.settings.bot_db_path, RAW) <= ALLOWED


async def test_deleted_numbers_do_not_stay_readable_in_the_file(harness: Harness) -> None:
    """A draft row that is deleted leaves no readable copy in the file's free pages."""
    db = harness.deps.db
    secret = f'{{"draft_applicant": {{"id_number": "{ID_NUMBER}"}}}}'
    async with db.write() as conn:
        for user_id in (4241, 4242, 4243):  # neighbours keep the page in use
            await conn.execute("INSERT INTO user_data (user_id, data) VALUES (?, ?)",
                               (user_id, secret if user_id == 4242 else '{"last_seen": "2026-12-01"}'))
    async with db.write() as conn:
        await conn.execute("DELETE FROM user_data WHERE user_id = ?", (4242,))
    await harness.stop()  # closing the last connection checkpoints the WAL into the file
    path = harness.settings.bot_db_path
    assert not Path(f"{path}-wal").exists()  # checkpointed into the file and removed
    assert ID_NUMBER.encode() not in path.read_bytes()
    await harness.start()
