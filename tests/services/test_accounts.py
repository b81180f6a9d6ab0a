"""Tests for bot.services.accounts on a real, migrated SQLite file.

Login throttling is driven with a ManualClock; tests check the rows they changed
(units, tg_users, login_failures, audit_log), not just return values. The service
gets a cheap argon2 hasher (same algorithm, small cost) so the suite stays fast;
one test checks that a default-cost service upgrades such hashes on login.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from bot.clock import ManualClock
from bot.errors import AccountError, CsvImportError, LoginLocked, WrongPassword
from bot.rules.account import LOCK_MINUTES, MAX_FAILURES
from bot.rules.tz import TZ
from bot.services.accounts import (
    PASSWORD_ALPHABET,
    AccountService,
    _name_key,
    generate_password,
)
from bot.storage import repo
from bot.storage.db import Database

START = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)
OWN = "Chaoyang-2026"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "bot.sqlite3")
    await database.open()
    await database.migrate()
    yield database
    await database.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def accounts(db: Database, clock: ManualClock) -> AccountService:
    return AccountService(db, clock, hasher=FAST)


async def unit_count(db: Database) -> int:
    async with db.read() as conn, conn.execute("SELECT COUNT(*) FROM units") as cur:
        row = await cur.fetchone()
    return int(row[0])


async def audit_rows(db: Database) -> list[tuple[str, ...]]:
    async with db.read() as conn, conn.execute(
            "SELECT actor, entity, entity_id, action, before, after FROM audit_log") as cur:
        return [tuple(str(v) for v in r) for r in await cur.fetchall()]


async def failures(db: Database, key: str) -> tuple[int, datetime | None]:
    async with db.read() as conn:
        return await repo.get_login_failures(conn, key)


# ---------------------------------------------------------------- passwords


def test_generated_password_is_unambiguous() -> None:
    for _ in range(200):
        password = generate_password()
        assert len(password) == 10
        assert set(password) <= set(PASSWORD_ALPHABET)
        assert not set(password) & set("0O1lI")


# ---------------------------------------------------------------- create and login


async def test_create_login_and_must_set_password(accounts: AccountService, db: Database) -> None:
    unit, otp = await accounts.create_unit("acme", "北京某某科技有限公司", actor="cli")
    assert unit.username == "acme" and unit.password_temporary
    assert otp not in unit.password_hash and unit.password_hash.startswith("$argon2")

    result = await accounts.login(101, "小王", "ACME", otp)  # username is case-insensitive
    assert result.must_set_password
    assert result.unit.id == unit.id
    found = await accounts.unit_of_user(101)
    assert found is not None
    user, bound = found
    assert user.unit_id == unit.id and user.must_set_password and user.first_name == "小王"

    updated = await accounts.set_own_password(101, OWN)
    assert not updated.password_temporary
    user, _ = await accounts.unit_of_user(101)  # type: ignore[misc]
    assert not user.must_set_password

    again = await accounts.login(102, "小李", "acme", OWN)
    assert not again.must_set_password


async def test_login_rehashes_an_outdated_hash(accounts: AccountService, db: Database, clock: ManualClock) -> None:
    unit, _ = await accounts.create_unit("acme", "某某公司", password=OWN, actor="cli")
    async with db.write() as conn:  # as if the unit had chosen OWN itself
        await repo.set_unit_password(conn, unit.id, unit.password_hash, temporary=False, now=START)
    default = AccountService(db, clock)
    await default.login(101, "小王", "acme", OWN)
    async with db.read() as conn:
        after = await repo.get_unit(conn, unit.id)
    assert after is not None and not after.password_temporary
    assert after.password_hash != unit.password_hash
    assert not default.hasher.check_needs_rehash(after.password_hash)
    await accounts.login(102, "小李", "acme", OWN)  # still the same password


async def test_create_rejects_bad_and_duplicate_usernames(accounts: AccountService) -> None:
    await accounts.create_unit("acme", "某某公司", actor="cli")
    with pytest.raises(AccountError, match="用户名已存在：ACME"):
        await accounts.create_unit("ACME", "另一家公司", actor="cli")
    for bad in ("ab", "a" * 33, "有中文", "with space", "semi;colon"):
        with pytest.raises(AccountError, match="用户名须为"):
            await accounts.create_unit(bad, "某某公司", actor="cli")
    with pytest.raises(AccountError, match="单位名称"):
        await accounts.create_unit("okname", "某", actor="cli")
    with pytest.raises(AccountError, match="至少需要8位"):
        await accounts.create_unit("okname", "某某公司", password="short", actor="cli")


async def test_one_time_password_works_once(accounts: AccountService, db: Database) -> None:
    unit, otp = await accounts.create_unit("acme", "某某公司", actor="cli")
    await accounts.login(101, "小王", "acme", otp)
    async with db.read() as conn:
        after = await repo.get_unit(conn, unit.id)
    assert after is not None and after.password_temporary
    assert after.password_hash != unit.password_hash

    with pytest.raises(WrongPassword):
        await accounts.login(102, "小李", "acme", otp)
    with pytest.raises(WrongPassword):
        await accounts.login(101, "小王", "acme", otp)


async def test_wrong_password_counts_down(accounts: AccountService, db: Database) -> None:
    await accounts.create_unit("acme", "某某公司", password=OWN, actor="cli")
    for remaining in range(MAX_FAILURES - 1, 0, -1):
        with pytest.raises(WrongPassword) as err:
            await accounts.login(101, "小王", "acme", "wrong-password")
        assert err.value.message == f"用户名或密码错误，还可尝试{remaining}次。"
    assert await failures(db, "user:101") == (MAX_FAILURES - 1, None)
    assert await failures(db, _name_key("acme")) == (MAX_FAILURES - 1, None)

    await accounts.login(101, "小王", "acme", OWN)
    assert await failures(db, "user:101") == (0, None)
    assert await failures(db, _name_key("acme")) == (0, None)


async def test_unknown_username_gets_the_same_message(accounts: AccountService) -> None:
    await accounts.create_unit("acme", "某某公司", password=OWN, actor="cli")
    with pytest.raises(WrongPassword) as known:
        await accounts.login(101, "小王", "acme", "wrong-password")
    with pytest.raises(WrongPassword) as unknown:
        await accounts.login(202, "小赵", "nosuchunit", "wrong-password")
    assert known.value.message == unknown.value.message == "用户名或密码错误，还可尝试4次。"


async def test_five_failures_lock_user_and_username(
    accounts: AccountService, db: Database, clock: ManualClock
) -> None:
    await accounts.create_unit("acme", "某某公司", password=OWN, actor="cli")
    await accounts.create_unit("other", "另一家公司", password=OWN, actor="cli")
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(WrongPassword):
            await accounts.login(101, "小王", "acme", "wrong-password")
    with pytest.raises(LoginLocked) as fifth:
        await accounts.login(101, "小王", "acme", "wrong-password")
    until = START.replace(minute=LOCK_MINUTES)
    assert fifth.value.until == until
    assert "2026年12月1日（周二）10:15" in fifth.value.message

    clock.advance(minutes=14)
    # The right password is refused while locked, for this user ...
    with pytest.raises(LoginLocked):
        await accounts.login(101, "小王", "acme", OWN)
    # ... for another Telegram user trying the same username ...
    with pytest.raises(LoginLocked):
        await accounts.login(202, "小赵", "acme", OWN)
    # ... and for the same Telegram user trying another username.
    with pytest.raises(LoginLocked):
        await accounts.login(101, "小王", "other", OWN)
    # Refusals while locked do not extend the lock.
    assert await failures(db, _name_key("acme")) == (MAX_FAILURES, until)
    assert await failures(db, "user:202") == (0, None)

    clock.advance(minutes=1)
    result = await accounts.login(101, "小王", "acme", OWN)
    assert result.unit.username == "acme"
    assert await failures(db, "user:101") == (0, None)


async def test_lock_expiry_starts_the_count_again(accounts: AccountService, clock: ManualClock) -> None:
    await accounts.create_unit("acme", "某某公司", password=OWN, actor="cli")
    for _ in range(MAX_FAILURES):
        with pytest.raises((WrongPassword, LoginLocked)):
            await accounts.login(101, "小王", "acme", "wrong-password")
    clock.advance(minutes=LOCK_MINUTES)
    with pytest.raises(WrongPassword) as err:
        await accounts.login(101, "小王", "acme", "wrong-password")
    assert err.value.remaining == MAX_FAILURES - 1


# ---------------------------------------------------------------- own password, logout, reset, rename


async def test_set_own_password_rules(accounts: AccountService) -> None:
    _, otp = await accounts.create_unit("acme-corp", "某某公司", actor="cli")
    with pytest.raises(AccountError, match="尚未登录"):
        await accounts.set_own_password(101, OWN)
    await accounts.login(101, "小王", "acme-corp", otp)
    cases = {
        "short1": "至少需要8位",
        "ACME-CORP": "不能与用户名相同",
        "aaaaaaaaaa": "同一个字符",
        "x" * 129: "不能超过128位",
    }
    for password, message in cases.items():
        with pytest.raises(AccountError, match=message):
            await accounts.set_own_password(101, password)
    unit = await accounts.set_own_password(101, OWN)
    assert not unit.password_temporary


async def test_logout(accounts: AccountService) -> None:
    _, otp = await accounts.create_unit("acme", "某某公司", actor="cli")
    assert await accounts.logout(101) is False
    await accounts.login(101, "小王", "acme", otp)
    assert await accounts.logout(101) is True
    assert await accounts.unit_of_user(101) is None
    assert await accounts.logout(101) is False


async def test_reset_unbinds_everyone_and_old_password_stops_working(accounts: AccountService) -> None:
    unit, otp = await accounts.create_unit("acme", "某某公司", actor="cli")
    await accounts.login(101, "小王", "acme", otp)
    await accounts.set_own_password(101, OWN)
    await accounts.login(102, "小李", "acme", OWN)

    reset_unit, new_otp, unbound = await accounts.reset_password(unit.id, actor="tg:900")
    assert sorted(unbound) == [101, 102]
    assert reset_unit.password_temporary and new_otp != OWN
    assert await accounts.unit_of_user(101) is None
    assert await accounts.unit_of_user(102) is None

    with pytest.raises(WrongPassword):
        await accounts.login(101, "小王", "acme", OWN)
    result = await accounts.login(101, "小王", "acme", new_otp)
    assert result.must_set_password

    with pytest.raises(AccountError, match="未找到"):
        await accounts.reset_password(9999, actor="cli")


async def test_rename_is_seen_by_clerks_at_once(accounts: AccountService) -> None:
    unit, otp = await accounts.create_unit("acme", "旧名称有限公司", actor="cli")
    await accounts.login(101, "小王", "acme", otp)
    renamed = await accounts.rename_unit(unit.id, "新名称有限公司", actor="tg:900")
    assert renamed.name == "新名称有限公司"
    _, seen = await accounts.unit_of_user(101)  # type: ignore[misc]
    assert seen.name == "新名称有限公司"
    with pytest.raises(AccountError, match="单位名称"):
        await accounts.rename_unit(unit.id, "x", actor="cli")


# ---------------------------------------------------------------- CSV import


async def test_csv_import_with_bom_and_crlf(accounts: AccountService, db: Database) -> None:
    text = (
        "\ufeffusername,name,password\r\n"
        "alpha,甲公司,Alpha-pass-1\r\n"
        "beta,乙公司,\r\n"
        'gamma,"丙公司, 北京",\r\n'
    )
    imported = await accounts.import_units_csv(text, actor="cli")
    assert [(u, n, gen) for u, n, _, gen in imported] == [
        ("alpha", "甲公司", False), ("beta", "乙公司", True), ("gamma", "丙公司, 北京", True),
    ]
    assert imported[0][2] == "Alpha-pass-1"
    assert await unit_count(db) == 3
    for user_id, (username, _, password, _) in enumerate(imported, start=101):
        result = await accounts.login(user_id, "x", username, password)
        assert result.must_set_password


async def test_csv_import_reports_every_bad_line_and_imports_nothing(
    accounts: AccountService, db: Database
) -> None:
    await accounts.create_unit("taken", "已有公司", actor="cli")
    text = (
        "username,name,password\n"      # 1
        "alpha,甲公司,\n"                # 2
        "beta,乙公司,Beta-pass-1\n"      # 3
        "b d,丁公司,\n"                  # 4: bad username
        "gamma,丙公司\n"                 # 5: wrong column count
        "ALPHA,重复公司,\n"              # 6: duplicate of line 2
        "taken,已有公司,\n"              # 7: already in the database
        "delta,,\n"                      # 8: missing name
        "eps,戊公司,short\n"             # 9: password too short
    )
    before = await unit_count(db)
    with pytest.raises(CsvImportError) as err:
        await accounts.import_units_csv(text, actor="cli")
    lines = [line for line, _ in err.value.problems]
    assert lines == [4, 5, 6, 7, 8, 9]
    reasons = dict(err.value.problems)
    assert "用户名须为" in reasons[4]
    assert "列数不对" in reasons[5]
    assert "第2行重复" in reasons[6]
    assert "用户名已存在" in reasons[7]
    assert "缺少单位名称" in reasons[8]
    assert "至少需要8位" in reasons[9]
    assert await unit_count(db) == before


async def test_csv_import_rejects_a_wrong_header(accounts: AccountService) -> None:
    with pytest.raises(CsvImportError) as err:
        await accounts.import_units_csv("user,company\nalpha,甲公司\n", actor="cli")
    assert err.value.problems[0][0] == 1
    with pytest.raises(CsvImportError):
        await accounts.import_units_csv("username,name,password\n", actor="cli")


# ---------------------------------------------------------------- no secrets in audit or logs


async def test_audit_rows_exist_and_hold_no_secret(accounts: AccountService, db: Database) -> None:
    unit, otp = await accounts.create_unit("acme", "某某公司", actor="cli")
    with pytest.raises(WrongPassword):
        await accounts.login(101, "小王", "acme", "Wrong-guess-1")
    await accounts.login(101, "小王", "acme", otp)
    await accounts.set_own_password(101, OWN)
    _, new_otp, _ = await accounts.reset_password(unit.id, actor="tg:900")
    await accounts.rename_unit(unit.id, "新名称公司", actor="tg:900")
    imported = await accounts.import_units_csv("username,name,password\nbeta,乙公司,Beta-pass-1\n", actor="cli")

    rows = await audit_rows(db)
    actions = {(r[0], r[3]) for r in rows}
    assert {("cli", "create"), ("tg:101", "login_failed"), ("tg:101", "login"), ("tg:101", "set_password"),
            ("tg:900", "reset_password"), ("tg:900", "rename"), ("cli", "import")} <= actions
    secrets = [otp, OWN, new_otp, "Wrong-guess-1", imported[0][2], "$argon2"]
    for row in rows:
        for secret in secrets:
            assert secret not in " ".join(row)


async def test_no_password_in_any_log_record(
    accounts: AccountService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    unit, otp = await accounts.create_unit("acme", "某某公司", actor="cli")
    with pytest.raises(WrongPassword):
        await accounts.login(101, "小王", "acme", "Wrong-guess-1")
    await accounts.login(101, "小王", "acme", otp)
    await accounts.set_own_password(101, OWN)
    _, new_otp, _ = await accounts.reset_password(unit.id, actor="cli")
    imported = await accounts.import_units_csv("username,name,password\nbeta,乙公司,\n", actor="cli")

    assert any(r.name == "bot.services.accounts" for r in caplog.records)
    for record in caplog.records:
        text = record.getMessage()
        for secret in (otp, OWN, new_otp, "Wrong-guess-1", imported[0][2]):
            assert secret not in text
        # aiosqlite's DEBUG lines echo SQL parameters (hashes included); the CLI
        # silences that logger, see tests/test_cli.py. Our own lines never do.
        if record.name.startswith("bot."):
            assert "$argon2" not in text
