"""UserService on a real SQLite file: notice acceptance, switches, blocked marks, overview."""

from __future__ import annotations

from bot.clock import ManualClock
from bot.config import Settings
from bot.deps import Deps
from bot.storage import repo
from bot.storage.db import Database
from bot.storage.models import CLI, actor_of

CLERK = 1001
OTHER = 1002
STAFF = actor_of(900001)


async def _unit_with_clerks(deps: Deps) -> int:
    unit, _ = await deps.accounts.create_unit("acme", "北京示例科技有限公司", password="Start-Pass-1", actor=CLI)
    async with deps.db.write() as conn:
        for user_id, name in ((CLERK, "张三"), (OTHER, "李四")):
            await repo.touch_tg_user(conn, user_id, name, deps.clock.now())
            await repo.bind_user(conn, user_id, unit.id, must_set_password=False, now=deps.clock.now())
    return unit.id


async def test_accepting_the_notice_is_recorded_and_audited(settings: Settings, clock: ManualClock,
                                                            db: Database) -> None:
    deps = Deps.build(settings, clock, db)
    await deps.users.touch(CLERK, "张三")
    async with db.read() as conn:
        before = await repo.get_tg_user(conn, CLERK)
    assert before is not None and before.needs_notice("v1")
    await deps.users.accept_notice(CLERK, "v1")
    async with db.read() as conn:
        after = await repo.get_tg_user(conn, CLERK)
        trail = await repo.history(conn, "tg_user", CLERK)
    assert after is not None and not after.needs_notice("v1") and after.needs_notice("v2")
    assert [(e.actor, e.action, e.after) for e in trail] == [("tg:1001", "accept_notice", '{"notice_version": "v1"}')]


async def test_a_group_chat_is_told_once(settings: Settings, clock: ManualClock, db: Database) -> None:
    deps = Deps.build(settings, clock, db)
    assert [await deps.users.first_word_in_chat(-100) for _ in range(3)] == [True, False, False]
    assert await deps.users.first_word_in_chat(-200) is True


async def test_overview_shows_the_switch_and_the_unit_clerks(settings: Settings, clock: ManualClock,
                                                             db: Database) -> None:
    deps = Deps.build(settings, clock, db)
    unit_id = await _unit_with_clerks(deps)
    before = await deps.users.overview(CLERK, unit_id)
    assert before.release_notice is True
    assert sorted(before.clerks) == [("张三", True), ("李四", False)]
    assert before.status.frozen is False
    await deps.users.set_release_notice(CLERK, False)
    assert (await deps.users.overview(CLERK, unit_id)).release_notice is False
    assert (await deps.users.overview(OTHER, unit_id)).release_notice is True


async def test_a_blocked_mark_is_cleared_when_the_user_writes_again(settings: Settings, clock: ManualClock,
                                                                    db: Database) -> None:
    deps = Deps.build(settings, clock, db)
    await deps.users.touch(CLERK, "张三")
    await deps.users.mark_blocked(CLERK)
    async with db.read() as conn:
        assert (await repo.get_tg_user(conn, CLERK)).blocked_at is not None  # type: ignore[union-attr]
    await deps.users.touch(CLERK, "张三")
    async with db.read() as conn:
        assert (await repo.get_tg_user(conn, CLERK)).blocked_at is None  # type: ignore[union-attr]


async def test_unbinding_a_clerk_is_audited_and_refused_for_another_unit(settings: Settings, clock: ManualClock,
                                                                         db: Database) -> None:
    deps = Deps.build(settings, clock, db)
    unit_id = await _unit_with_clerks(deps)
    assert await deps.accounts.unbind_clerk(unit_id + 1, CLERK, actor=STAFF) is False
    assert await deps.accounts.unbind_clerk(unit_id, CLERK, actor=STAFF) is True
    assert await deps.accounts.unbind_clerk(unit_id, CLERK, actor=STAFF) is False
    found = await deps.accounts.unit_with_clerks(unit_id)
    assert found is not None
    assert [c.user_id for c in found[1]] == [OTHER]
    async with db.read() as conn:
        trail = await repo.history(conn, "unit", unit_id)
    assert [(e.actor, e.action) for e in trail if e.action == "unbind"] == [("tg:900001", "unbind")]
