"""Unit accounts and login (SPEC §9): create, import, log in, set password, reset.

Passwords are stored only as argon2 hashes (``argon2.PasswordHasher``: salted and
deliberately slow, ~50 ms). Hashing and verifying run in a worker thread
(``asyncio.to_thread``) and *outside* the write transaction, so neither the event
loop nor the other clerks' writes wait for them.

Login throttling, per key in ``login_failures`` — ``user:<telegram id>`` and
``name:<lower-cased username>``:

* every wrong password (or unknown username) adds one failure to both keys;
* a key that reaches ``MAX_FAILURES`` is locked for ``LOCK_MINUTES``;
* while either key of an attempt is locked the attempt is refused without looking
  at the password; after the lock runs out that key counts from zero again;
* a successful login forgets both keys.

An unknown username is answered exactly like a wrong password (same text, same
cost: a dummy hash is verified), so the bot does not tell which usernames exist.

A one-time password (creation, import, reset) works once: on the login that uses it
the unit's hash is replaced by the hash of a random secret nobody knows, the unit
stays marked temporary, and the Telegram user must choose the unit's own password
(``set_own_password``) before doing anything else.

Every use case is one write transaction that also appends to the audit log.
Neither the audit log nor the application log ever receives a password, a hash or
a username typed together with a password.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import logging
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bot.clock import Clock
from bot.errors import AccountError, CsvImportError, LoginLocked, WrongPassword
from bot.read_models import LoginResult
from bot.rules.account import LOCK_MINUTES, MAX_FAILURES, MAX_NAME, MAX_PASSWORD, MIN_NAME, MIN_PASSWORD, USERNAME_RE
from bot.rules.names import has_control_characters
from bot.storage import repo
from bot.storage.db import Database
from bot.storage.models import Actor, TgUser, Unit, actor_of
from bot.texts import login as t

log = logging.getLogger(__name__)


GENERATED_LENGTH = 10
# No 0/O/o, 1/l/I: the password is read off a sheet of paper and typed on a phone.
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"

CSV_HEADER = ("username", "name", "password")
# The Chinese headers staff type in Excel (用户名,单位名称,密码) mean the same columns.
HEADER_ALIASES = {"用户名": "username", "单位名称": "name", "密码": "password"}


# ---------------------------------------------------------------- validation


def generate_password() -> str:
    """A one-time password: 10 characters from an unambiguous alphabet (``secrets``)."""
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(GENERATED_LENGTH))
        if password_problem(password, "") is None:
            return password


def username_problem(username: str) -> str | None:
    """Why ``username`` is not acceptable, or None."""
    return None if USERNAME_RE.fullmatch(username) else t.USERNAME_RULE


def name_problem(name: str) -> str | None:
    """Why a unit name is not acceptable, or None."""
    if not name:
        return t.NAME_MISSING
    if has_control_characters(name):
        return t.NAME_CONTROL
    if not MIN_NAME <= len(name) <= MAX_NAME or not name.isprintable():
        return t.NAME_RULE
    return None


def password_problem(password: str, username: str) -> str | None:
    """Why ``password`` may not be a unit's password, or None."""
    if len(password) < MIN_PASSWORD:
        return t.PASSWORD_TOO_SHORT
    if len(password) > MAX_PASSWORD:
        return t.PASSWORD_TOO_LONG
    if username and password.casefold() == username.casefold():
        return t.PASSWORD_IS_USERNAME
    if len(set(password)) == 1:
        return t.PASSWORD_ONE_CHAR
    return None


def _check(problem: str | None) -> None:
    if problem is not None:
        raise AccountError(problem)


@dataclass(frozen=True)
class CsvRow:
    """One data row of a units CSV; ``password`` None when the cell was empty."""

    line: int
    username: str
    name: str
    password: str | None


def parse_units_csv(text: str) -> tuple[list[CsvRow], list[tuple[int, str]]]:
    """Read a ``username,name,password`` (or ``用户名,单位名称,密码``) CSV: the rows and every problem found.

    Accepts a UTF-8 BOM and both line endings; the password column may be left out
    of the header or left empty. Wholly empty rows are skipped. Checks that need
    the database (username already taken) are the service's.
    """
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[CsvRow] = []
    problems: list[tuple[int, str]] = []
    try:
        header = next(reader, None)
        while header is not None and not any(c.strip() for c in header):
            header = next(reader, None)
        if header is None:
            return [], [(1, t.CSV_EMPTY)]
        header_line = reader.line_num
        columns = tuple(HEADER_ALIASES.get(c.strip().lower(), c.strip().lower()) for c in header)
        if columns not in (CSV_HEADER, CSV_HEADER[:2]):
            return [], [(header_line, t.HEADER_RULE)]
        seen: dict[str, int] = {}
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(columns):
                expected = f"{len(columns)}列（{','.join(columns)}）"
                problems.append((line, f"列数不对：应为{expected}，实际{len(cells)}列。"))
                continue
            username, name = cells[0].strip(), cells[1].strip()
            password = cells[2].strip() if len(cells) > 2 and cells[2].strip() else None
            reasons = [r for r in (username_problem(username), name_problem(name)) if r]
            if password is not None and (reason := password_problem(password, username)):
                reasons.append(reason)
            key = username.lower()
            if username and key in seen:
                reasons.append(f"用户名与第{seen[key]}行重复：{username}")
            elif username:
                seen[key] = line
            if reasons:
                problems.append((line, " ".join(reasons)))
            else:
                rows.append(CsvRow(line, username, name, password))
    except csv.Error as err:
        problems.append((reader.line_num, f"CSV 格式错误：{err}"))
    if not rows and not problems:
        problems.append((reader.line_num or 1, t.CSV_EMPTY))
    return rows, problems


# ---------------------------------------------------------------- service


def _user_key(user_id: int) -> str:
    return f"user:{user_id}"


def _name_key(username: str) -> str:
    # Hashed: whatever was typed at the username step (even a mistyped password) never
    # lands in the database as text.
    digest = hashlib.sha256(username.strip().lower().encode("utf-8")).hexdigest()[:32]
    return f"name:{digest}"


class AccountService:
    """Unit accounts and Telegram logins over one database, with the app's clock."""

    def __init__(self, db: Database, clock: Clock, *, hasher: PasswordHasher | None = None) -> None:
        self.db = db
        self.clock = clock
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    # ---------------------------------------------------------------- hashing

    async def _hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    async def _hash_many(self, passwords: list[str]) -> list[str]:
        return await asyncio.to_thread(lambda: [self.hasher.hash(p) for p in passwords])

    async def _verify(self, password_hash: str, password: str) -> bool:
        def _run() -> bool:
            try:
                return self.hasher.verify(password_hash, password)
            except VerifyMismatchError:
                return False
            except (VerificationError, InvalidHashError):
                log.warning("a stored password hash could not be verified")
                return False

        return await asyncio.to_thread(_run)

    async def _burn_time(self, password: str) -> None:
        """Verify against a dummy hash so an unknown username costs what a known one does."""
        if self._dummy_hash is None:
            self._dummy_hash = await self._hash(secrets.token_urlsafe(16))
        await self._verify(self._dummy_hash, password)

    # ---------------------------------------------------------------- creation

    async def create_unit(
        self, username: str, name: str, *, password: str | None = None, actor: Actor
    ) -> tuple[Unit, str]:
        """Create a unit account; returns it and its one-time password (generated if None)."""
        username, name = username.strip(), name.strip()
        _check(username_problem(username))
        _check(name_problem(name))
        if password is None:
            password = generate_password()
        else:
            password = password.strip()
            _check(password_problem(password, username))
        password_hash = await self._hash(password)
        now = self.clock.now()
        async with self.db.write() as conn:
            if await repo.get_unit_by_username(conn, username) is not None:
                raise AccountError(t.username_taken(username))
            try:
                unit_id = await repo.insert_unit(conn, username, name, password_hash, now, temporary=True)
            except sqlite3.IntegrityError:
                raise AccountError(t.username_taken(username)) from None
            await repo.audit(
                conn, actor=actor, entity="unit", entity_id=unit_id, action="create", now=now,
                after={"username": username, "name": name},
            )
            unit = await repo.get_unit(conn, unit_id)
        assert unit is not None
        log.info("unit %s created by %s", unit_id, actor)
        return unit, password

    async def import_units_csv(self, text: str, *, actor: Actor) -> list[tuple[str, str, str, bool]]:
        """Import units from CSV text, all or nothing.

        Returns (username, name, password, generated?) per imported row. Raises
        CsvImportError listing every bad line (nothing imported) otherwise.
        """
        rows, problems = parse_units_csv(text)
        async with self.db.read() as conn:
            taken = await repo.existing_usernames(conn, [r.username for r in rows])
        problems += [(r.line, t.username_taken(r.username)) for r in rows if r.username.lower() in taken]
        if problems:
            raise CsvImportError(t.csv_failed(len(problems)), sorted(problems))

        passwords = [(r.password, False) if r.password else (generate_password(), True) for r in rows]
        hashes = await self._hash_many([p for p, _ in passwords])
        now = self.clock.now()
        async with self.db.write() as conn:
            # Someone may have created one of these usernames while we were hashing.
            taken = await repo.existing_usernames(conn, [r.username for r in rows])
            if taken:
                clashes = [(r.line, t.username_taken(r.username)) for r in rows if r.username.lower() in taken]
                raise CsvImportError(t.csv_failed(len(clashes)), clashes)
            for row, password_hash in zip(rows, hashes, strict=True):
                unit_id = await repo.insert_unit(conn, row.username, row.name, password_hash, now, temporary=True)
                await repo.audit(
                    conn, actor=actor, entity="unit", entity_id=unit_id, action="import", now=now,
                    after={"username": row.username, "name": row.name, "line": row.line},
                )
        log.info("%d units imported by %s", len(rows), actor)
        return [(r.username, r.name, p, gen) for r, (p, gen) in zip(rows, passwords, strict=True)]

    # ---------------------------------------------------------------- login

    async def _lock_of(self, conn: repo.Conn, keys: list[str], now: datetime) -> datetime | None:
        """The latest lock still running on any of ``keys``, or None."""
        locks = []
        for key in keys:
            _, until = await repo.get_login_failures(conn, key)
            if until is not None and until > now:
                locks.append(until)
        return max(locks, default=None)

    async def _count_failure(self, conn: repo.Conn, keys: list[str], now: datetime) -> tuple[int, datetime | None]:
        """Add one failure to every key; returns (highest count, lock set now or None)."""
        highest, lock = 0, None
        for key in keys:
            failures, until = await repo.get_login_failures(conn, key)
            if until is not None and until <= now:
                failures = 0  # the lock ran out: start again
            failures += 1
            locked_until = now + timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
            await repo.set_login_failures(conn, key, failures, locked_until, now)
            highest = max(highest, failures)
            lock = locked_until or lock
        return highest, lock

    async def login(self, user_id: int, first_name: str, username: str, password: str) -> LoginResult:
        """Bind a Telegram user to the unit whose username and password these are.

        Raises LoginLocked while the user or the username is locked, WrongPassword
        (same text for an unknown username) otherwise on failure.
        """
        password = password.strip()
        keys = [_user_key(user_id), _name_key(username)]
        now = self.clock.now()
        async with self.db.read() as conn:
            lock = await self._lock_of(conn, keys, now)
            unit = None if lock else await repo.get_unit_by_username(conn, username)
        if lock is not None:
            raise LoginLocked(t.login_locked(lock, LOCK_MINUTES), lock)

        if unit is None:
            await self._burn_time(password)
            ok = False
        else:
            ok = await self._verify(unit.password_hash, password)
        # Hash outside the write lock what a success will store: the OTP is burnt,
        # or an own password with outdated parameters is rehashed.
        new_hash: str | None = None
        if ok and unit is not None:
            if unit.password_temporary:
                new_hash = await self._hash(secrets.token_urlsafe(32))
            elif self.hasher.check_needs_rehash(unit.password_hash):
                new_hash = await self._hash(password)

        now = self.clock.now()
        failure: AccountError | None = None
        async with self.db.write() as conn:
            lock = await self._lock_of(conn, keys, now)
            if lock is not None:
                failure = LoginLocked(t.login_locked(lock, LOCK_MINUTES), lock)
            else:
                if ok and unit is not None:
                    current = await repo.get_unit(conn, unit.id)
                    if current is None or current.password_hash != unit.password_hash:
                        # Rare: changed while we verified (OTP used by another clerk, reset).
                        ok = current is not None and await self._verify(current.password_hash, password)
                        new_hash = None
                        if ok and current is not None and current.password_temporary:
                            new_hash = await self._hash(secrets.token_urlsafe(32))
                    unit = current
                if not ok:
                    failures, locked = await self._count_failure(conn, keys, now)
                    await repo.audit(
                        conn, actor=actor_of(user_id), entity="login", entity_id=user_id, action="login_failed",
                        now=now, after={"unit_id": unit.id if unit else None, "failures": failures,
                                        "locked_until": locked},
                    )
                    failure = (LoginLocked(t.login_locked(locked, LOCK_MINUTES), locked) if locked
                               else WrongPassword(t.wrong_password(MAX_FAILURES - failures), MAX_FAILURES - failures))
                else:
                    assert unit is not None
                    await repo.clear_login_failures(conn, keys)
                    if new_hash is not None:
                        await repo.set_unit_password(
                            conn, unit.id, new_hash, temporary=unit.password_temporary, now=now
                        )
                    await repo.touch_tg_user(conn, user_id, first_name, now)
                    await repo.bind_user(conn, user_id, unit.id, must_set_password=unit.password_temporary, now=now)
                    await repo.audit(
                        conn, actor=actor_of(user_id), entity="unit", entity_id=unit.id, action="login", now=now,
                        after={"user_id": user_id, "one_time_password": unit.password_temporary},
                    )
                    unit = await repo.get_unit(conn, unit.id)
        if failure is not None:
            log.info("login refused for Telegram user %s", user_id)
            raise failure
        assert unit is not None
        log.info("Telegram user %s logged in to unit %s", user_id, unit.id)
        return LoginResult(unit=unit, must_set_password=unit.password_temporary)

    async def set_own_password(self, user_id: int, new_password: str) -> Unit:
        """The bound clerk chooses the unit's own password (ends the one-time password)."""
        new_password = new_password.strip()
        found = await self.unit_of_user(user_id)
        if found is None:
            raise AccountError(t.UNIT_NOT_LOGGED_IN)
        _, unit = found
        _check(password_problem(new_password, unit.username))
        password_hash = await self._hash(new_password)
        now = self.clock.now()
        async with self.db.write() as conn:
            user = await repo.get_tg_user(conn, user_id)
            if user is None or user.unit_id != unit.id:
                raise AccountError(t.UNIT_NOT_LOGGED_IN)
            await repo.set_unit_password(conn, unit.id, password_hash, temporary=False, now=now)
            await repo.clear_must_set_password(conn, user_id, now)
            await repo.audit(
                conn, actor=actor_of(user_id), entity="unit", entity_id=unit.id, action="set_password", now=now,
                after={"user_id": user_id},
            )
            updated = await repo.get_unit(conn, unit.id)
        assert updated is not None
        log.info("Telegram user %s set the password of unit %s", user_id, unit.id)
        return updated

    async def logout(self, user_id: int) -> bool:
        """Unbind the Telegram user; False if it was not bound."""
        now = self.clock.now()
        async with self.db.write() as conn:
            user = await repo.get_tg_user(conn, user_id)
            if user is None or user.unit_id is None:
                return False
            await repo.unbind_user(conn, user_id, now)
            await repo.audit(
                conn, actor=actor_of(user_id), entity="unit", entity_id=user.unit_id, action="logout", now=now,
                after={"user_id": user_id},
            )
        log.info("Telegram user %s logged out", user_id)
        return True

    # ---------------------------------------------------------------- staff operations

    async def reset_password(self, unit_id: int, *, actor: Actor) -> tuple[Unit, str, list[int]]:
        """Issue a new one-time password and log every clerk of the unit out.

        Returns the unit, the password and the Telegram ids that were unbound (so the
        caller can tell them). The username's login lock is lifted too.
        """
        password = generate_password()
        password_hash = await self._hash(password)
        now = self.clock.now()
        async with self.db.write() as conn:
            unit = await repo.get_unit(conn, unit_id)
            if unit is None:
                raise AccountError(t.UNIT_NOT_FOUND)
            await repo.set_unit_password(conn, unit_id, password_hash, temporary=True, now=now)
            unbound = await repo.unbind_unit(conn, unit_id, now)
            await repo.clear_login_failures(conn, [_name_key(unit.username)])
            await repo.audit(
                conn, actor=actor, entity="unit", entity_id=unit_id, action="reset_password", now=now,
                before={"password": "own" if not unit.password_temporary else "one-time",
                        "bound_users": unbound},
                after={"password": "one-time", "unbound_users": unbound},
            )
            updated = await repo.get_unit(conn, unit_id)
        assert updated is not None
        log.info("password of unit %s reset by %s; %d user(s) unbound", unit_id, actor, len(unbound))
        return updated, password, unbound

    async def rename_unit(self, unit_id: int, name: str, *, actor: Actor) -> Unit:
        """Change the unit's name (单位名称变更); clerks see it at once."""
        name = name.strip()
        _check(name_problem(name))
        now = self.clock.now()
        async with self.db.write() as conn:
            unit = await repo.get_unit(conn, unit_id)
            if unit is None:
                raise AccountError(t.UNIT_NOT_FOUND)
            await repo.rename_unit(conn, unit_id, name, now)
            await repo.audit(
                conn, actor=actor, entity="unit", entity_id=unit_id, action="rename", now=now,
                before={"name": unit.name}, after={"name": name},
            )
            updated = await repo.get_unit(conn, unit_id)
        assert updated is not None
        return updated

    async def unbind_clerk(self, unit_id: int, user_id: int, *, actor: Actor) -> bool:
        """Staff unbind one clerk from a unit (audited); False if it was not bound to that unit."""
        now = self.clock.now()
        async with self.db.write() as conn:
            user = await repo.get_tg_user(conn, user_id)
            if user is None or user.unit_id != unit_id:
                return False
            await repo.unbind_user(conn, user_id, now)
            await repo.audit(conn, actor=actor, entity="unit", entity_id=unit_id, action="unbind", now=now,
                             before={"user_id": user_id, "unit_id": unit_id}, after={"user_id": user_id, "unit_id": None})
        log.info("Telegram user %s unbound from unit %s by %s", user_id, unit_id, actor)
        return True

    # ---------------------------------------------------------------- reads

    async def unit_of_user(self, user_id: int) -> tuple[TgUser, Unit] | None:
        """The Telegram user and the unit it is bound to, or None if not logged in.

        Every tap asks this; it is kept in the read cache until a user or unit changes.
        """

        async def load() -> tuple[TgUser, Unit] | None:
            async with self.db.read() as conn:
                user = await repo.get_tg_user(conn, user_id)
                if user is None or user.unit_id is None:
                    return None
                unit = await repo.get_unit(conn, user.unit_id)
            return (user, unit) if unit is not None else None

        return await self.db.cached(("clerk", user_id), ("tg_users", "units"), load)

    async def unit_by_username(self, username: str) -> Unit | None:
        """The unit with this username (case-insensitive), or None."""
        async with self.db.read() as conn:
            return await repo.get_unit_by_username(conn, username)

    async def unit_with_clerks(self, unit_id: int) -> tuple[Unit, list[TgUser]] | None:
        """A unit and its bound clerks, or None when there is no such unit."""
        async with self.db.read() as conn:
            unit = await repo.get_unit(conn, unit_id)
            if unit is None:
                return None
            return unit, await repo.clerks_of_unit(conn, unit_id)

    async def search_units(self, text: str, limit: int) -> list[Unit]:
        """Units whose username or name contains ``text`` (at most ``limit``)."""
        async with self.db.read() as conn:
            return await repo.search_units(conn, text, limit)
