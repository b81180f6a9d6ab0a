"""No identity number, phone number, password, one-time password or token in any log line.

A clerk's whole life (login with a wrong password and a one-time password, booking,
applicant data with a typo, contact change, staff lookup, password reset, logout, a
crash and restart) runs through the real Application while every logger writes at
the most verbose level the product can be configured to (BOT_LOG_LEVEL=DEBUG, the
third-party floors of ``setup_logging``). Then every line — tracebacks included —
is searched for every secret and personal number typed or issued on the way.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel
from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.__main__ import LOG_FORMAT, PrivateFormatter
from bot.harness import Harness
from bot.notice import ACCEPT_LABEL
from bot.rules.basket import BusinessType
from tests.support import TEST_TOKEN
from tests.support.booking import tap
from tests.support.clerks import make_unit
from tests.support.logs import LogRecorder
from tests.support.personal import APPLICANT_PHONE, CONTACT_PHONE, ID_BODY, ID_NUMBER, NEW_CONTACT_PHONE, OWN

ADMIN = 900001
ID_TYPO = ID_BODY + ("0" if ID_NUMBER[-1] != "0" else "1")  # a wrong check digit
PASSPORT = "E98765432"
ONE_TIME = "Start-Pass-1"
WRONG = "Wrong-Pass-77"


def _secrets(*extra: str) -> list[str]:
    return [TEST_TOKEN, TEST_TOKEN.split(":", 1)[1], ID_NUMBER, ID_TYPO, ID_BODY, PASSPORT, CONTACT_PHONE,
            NEW_CONTACT_PHONE, APPLICANT_PHONE, ONE_TIME, WRONG, OWN, *extra]


def _leaks(logs: LogRecorder, secrets: list[str]) -> list[str]:
    return [f"{secret!r} in: {line[:300]}" for line in logs.lines() for secret in secrets if secret in line]


async def test_a_clerks_whole_life_leaves_no_personal_data_in_the_log(harness: Harness,
                                                                      all_logs: LogRecorder) -> None:
    await make_unit(harness, password=ONE_TIME)
    clerk = harness.user(1001, "韩梅梅")
    await clerk.command("start")
    await clerk.command("login")
    await clerk.send("acme")
    await clerk.send(WRONG)
    await clerk.send(ONE_TIME)
    await clerk.send("short")  # refused new password
    await clerk.send(OWN)
    menu = await clerk.send(OWN)
    assert "业务预约" in menu.labels

    await clerk.press("业务预约")
    await clerk.press(ACCEPT_LABEL)
    await clerk.press("填写经办人信息")
    await clerk.send("韩梅梅")
    await clerk.send("1391234567")  # one digit short
    await clerk.send(CONTACT_PHONE)
    await tap(clerk, "add", BusinessType.NEW)
    await tap(clerk, "add", BusinessType.NEW)
    await clerk.press("查询可预约信息")
    await clerk.press("12/3 下午")
    await clerk.press("确定", exact=True)

    await clerk.press("下一步，即将完成预约")
    await clerk.press("新办 1/2")
    await clerk.send("李雷")
    await clerk.press("居民身份证")
    await clerk.send(ID_TYPO)
    await clerk.send(ID_NUMBER)
    await clerk.send(APPLICANT_PHONE)
    await clerk.press("确认保存")
    await clerk.press("新办 2/2")
    await clerk.send("John Smith")
    await clerk.press("护照")
    await clerk.send(PASSPORT)
    await harness.flush()
    await harness.crash()  # mid-entry: the draft is reloaded from the database
    await harness.start()
    await clerk.send(APPLICANT_PHONE)
    panel = await clerk.press("确认保存")
    assert "待办理" in panel.text

    await clerk.command("my")
    await clerk.press("修改信息")
    await clerk.press("经办人")
    await clerk.press("姓名不变")
    await clerk.send(NEW_CONTACT_PHONE)

    admin = harness.user(ADMIN, "管理员")
    await admin.command("find", "CY20261203-001")
    await admin.press("新办1/2 李雷")
    await admin.command("units", "acme")
    await admin.press("北京示例科技有限公司（acme）")
    await admin.press("重置密码")
    reset = await admin.press("确认重置")
    new_otp = reset.text.split("：")[-1].split()[0] if "：" in reset.text else ""
    await clerk.command("logout")
    await harness.restart()

    texts = "\n".join(clerk.texts() + admin.texts())
    assert ID_NUMBER not in texts and "110105********" in texts  # the flow really saw the number
    assert all_logs.records, "nothing was logged: the recorder is not attached"
    assert any("logged in to unit" in line for line in all_logs.lines())
    assert _leaks(all_logs, _secrets(*([new_otp] if len(new_otp) >= 8 else []))) == []


async def test_the_error_handler_writes_no_input_echoed_by_an_exception(harness: Harness,
                                                                       all_logs: LogRecorder) -> None:
    """An exception whose message echoes typed input (a pydantic ValidationError does) reaches
    the error handler, which logs it with its traceback: the line ``python -m bot`` writes
    (through ``PrivateFormatter``) holds neither the number nor the echoed input."""

    class Phone(BaseModel):
        number: int

    async def validate(update: Update, context: object) -> None:
        Phone(number=f"x{update.message.text}")  # type: ignore[union-attr, arg-type]

    # a handler that fails the way a careless validation would, after the bot's own
    harness.app.add_handler(MessageHandler(filters.TEXT, validate), group=5)
    user = harness.user(1001)
    await user.send(APPLICANT_PHONE)
    assert "系统繁忙" in user.last.text
    [error] = [r for r in all_logs.records if r.levelno >= logging.ERROR]
    written = PrivateFormatter(LOG_FORMAT, [TEST_TOKEN]).format(error)
    assert "ValidationError" in written and "test_log_privacy.py" in written  # still a useful traceback
    assert APPLICANT_PHONE not in written and f"x{APPLICANT_PHONE}" not in written
