"""The 09:00 rush through the real Application, beside python-telegram-bot's own floor.

N clerks book at once. Each walks the whole flow as a person does, waiting for the
bot's answer before the next step:

    /book → 填写经办人信息 → name → phone → + 新办 → 查询可预约信息 → slot → 确定

Every update goes through the application's update queue and update processor
(per-user order, cross-user concurrency); the fake Bot API answers every call after
``--latency`` (100 ms). The capacity of the slot every clerk picks sells out, so the
last presses of 「确定」 are refused and shown fresh availability.

In the same run, PTB's trivial floor — an Application with one handler that sends
one reply, PTB's own concurrent processing, the same fake Bot API — takes the same
N × 8 updates. Reported for both: throughput, latency from update to done (p50/p99),
CPU per update (the whole process: event loop, SQLite's threads and the fake Bot
API); for the bot also, per step: write transactions, SQL statements and trips to
SQLite's thread that the update waited for, Bot API calls; the database work done
outside the updates (conversation states and drafts, batched once a second across
all clerks; the outbox courier; jobs); the order in which 「确定」 presses were
served; capacity; peak memory; and how long after 「确定」 each booking's receipt (its
last part, the .ics file) reached the clerk's chat. The receipt goes out after the update
is done (``bot.processing.afterwards``): the clock and the CPU stop only once every
receipt is out, so its work is in the figures.

Both sides run with the garbage-collector settings of ``python -m bot run``
(``bot.gc_tuning``: frozen after start-up, fewer collections). Bot and floor are
measured in turn ``--rounds`` times (3); the figures shown are those of the median
round by the CPU ratio, with every round's CPU figures listed beside them: on these
shared machines a slowdown of a few seconds would otherwise decide a single round.

Targets (checked at the largest N, 1,000 by default): CPU per update ≤ 3× the
floor's; p99 ≤ 1.5 s; throughput ≥ 50 % of the floor's; capacity sold exactly;
every clerk answered; peak RSS ≤ 250 MiB; write transactions per update 0 for the
screen-only steps and 1 for 「确定」; no 「确定」 served out of arrival order beyond the
processor's concurrency window. Exit status 1 if a target is missed.

    .venv/bin/python benchmarks/bench_rush_handlers.py [--clerks 100,1000] [--latency 0.1] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RUSH_AT,
    RUSH_DAY,
    IndexedBotApi,
    ServingProcess,
    cpu_seconds,
    peak_rss_mib,
    percentile,
    press_update,
    settings_for,
    text_update,
    verdict,
)
from telegram import Update  # noqa: E402
from telegram.ext import Application, SimpleUpdateProcessor, TypeHandler  # noqa: E402

from bot.callbacks import pack  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.fake_telegram import FakeMessage, FakeUser  # noqa: E402
from bot.harness import Harness  # noqa: E402
from bot.notice import NOTICE_VERSION  # noqa: E402
from bot.storage import repo  # noqa: E402
from bot.storage.dbstats import DbStats, counting  # noqa: E402
from bot.texts import booking as t  # noqa: E402

MINUTES_PER_BOOKING = 15  # one 新办
WARM_UP = 10
SCREEN_ONLY_STEPS = ("book", "contact", "name", "phone", "add", "query", "slot")
CONFIRM = "confirm"
STEPS = (*SCREEN_ONLY_STEPS, CONFIRM)
REFUSED = "confirm, slot full"  # a 「确定」 that found the capacity gone (reported apart from the booked ones)
ANSWERS = frozenset({"sendMessage", "editMessageText", "sendDocument", "answerCallbackQuery"})


@dataclass
class Record:
    """One update: its step, when it was queued and done, what it cost."""

    clerk: int
    step: str
    queued: float
    done: float = 0.0
    db: DbStats = field(default_factory=DbStats)
    api_calls: int = 0
    shown: bool = False  # a message was sent or edited for it


_current: contextvars.ContextVar[Record | None] = contextvars.ContextVar("bench_update", default=None)


@dataclass
class RunResult:
    """What one side (bot or floor) of one run measured.

    ``cpu``: the process's CPU time less what the simulated Telegram server and the
    simulated clerks spent (``raw_cpu`` includes them).
    """

    updates: int
    elapsed: float
    cpu: float
    raw_cpu: float
    latencies: list[float]
    records: list[Record]

    @property
    def throughput(self) -> float:
        """Updates per second."""
        return self.updates / self.elapsed if self.elapsed else 0.0

    @property
    def cpu_per_update(self) -> float:
        """CPU seconds per update."""
        return self.cpu / self.updates if self.updates else 0.0


class _Timing:
    """Wraps an update processor's ``process_update``: finish times and per-update counts."""

    def __init__(self, processor: Any, records: dict[int, Record], waiters: dict[int, asyncio.Future[None]]):
        self.records = records
        self.waiters = waiters
        self.inner = processor.process_update
        processor.process_update = self.process_update

    async def process_update(self, update: object, coroutine: Any) -> None:
        record = self.records.get(update.update_id) if isinstance(update, Update) else None
        token = _current.set(record)
        try:
            if record is None:
                await self.inner(update, coroutine)
            else:
                with counting(record.db):
                    await self.inner(update, coroutine)
        finally:
            _current.reset(token)
            if record is not None:
                record.done = time.perf_counter()
                waiter = self.waiters.pop(update.update_id, None)  # type: ignore[attr-defined]
                if waiter is not None and not waiter.done():
                    waiter.set_result(None)


def _behaviour(latency: float, files: dict[int, float] | None = None) -> Any:
    """The fake Bot API's delay; counts each update's calls, and notes when a chat's file arrived."""
    def answer_after(method: str, params: dict[str, Any]) -> float:
        record = _current.get()
        if record is not None:
            record.api_calls += 1
            if method in ANSWERS:
                record.shown = True
        if files is not None and method == "sendDocument":
            files[int(params["chat_id"])] = time.perf_counter() + latency
        return latency

    return answer_after


async def _drive(app: Application[Any, Any, Any, Any, Any, Any], api: IndexedBotApi, users: list[FakeUser],
                 next_update: Any, records: dict[int, Record], waiters: dict[int, asyncio.Future[None]],
                 steps: tuple[str, ...], *, timed: bool = True, waves: bool = False) -> RunResult:
    """Every clerk walks ``steps``, one update at a time, each waiting for the previous one.

    Untimed (a warm-up): each update is processed directly, not through the queue.
    In ``waves``, every clerk takes a step before any takes the next one, and what a
    step left to run afterwards (the receipts of 「确定」) finishes before the next
    step begins: each step's figures are its own.
    """
    if not timed:
        for user in users:
            for step in steps:
                update = next_update(user, step)
                if update is None:
                    break
                await app.process_update(update)
        return RunResult(0, 0.0, 0.0, 0.0, [], [])
    loop = asyncio.get_running_loop()

    stopped: set[int] = set()  # clerks whose next button was not there

    async def clerk(index: int, user: FakeUser, walk: tuple[str, ...] = steps) -> None:
        for step in walk:
            update = next_update(user, step) if index not in stopped else None
            if update is None:
                stopped.add(index)
                return
            record = Record(index, step, time.perf_counter())
            records[update.update_id] = record
            waiter: asyncio.Future[None] = loop.create_future()
            waiters[update.update_id] = waiter
            await app.update_queue.put(update)
            await waiter

    settled = getattr(app.update_processor, "settled", None)
    cpu0, t0, simulated0 = cpu_seconds(), time.perf_counter(), api.server_cpu + api.client_cpu
    if waves:
        for step in steps:
            await asyncio.gather(*(clerk(i, u, (step,)) for i, u in enumerate(users)))
            if settled is not None:
                await settled()
    else:
        await asyncio.gather(*(clerk(i, u) for i, u in enumerate(users)))
    if settled is not None:  # what the updates left to run afterwards (the receipts) is in the figures too
        await settled()
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    simulated = api.server_cpu + api.client_cpu - simulated0
    done = [r for r in records.values() if r.done]
    return RunResult(len(done), elapsed, cpu - simulated, cpu, [r.done - r.queued for r in done],
                     list(records.values()))


# ---------------------------------------------------------------- the floor


async def run_floor(clerks: int, latency: float, pressed: dict[str, FakeMessage] | None = None) -> RunResult:
    """PTB's trivial floor: one handler that sends one reply, under the same load.

    ``pressed``: for each button step, the panel the bot's clerks pressed on (from the
    bot's run): the floor's presses carry the same message, keyboard and all, so both
    sides parse the same incoming updates.
    """
    api = IndexedBotApi()

    async def reply(update: Update, context: Any) -> None:
        assert update.effective_chat is not None
        if update.callback_query is not None:
            await update.callback_query.answer()
        else:
            await context.bot.send_message(update.effective_chat.id, "好")

    class FloorProcessor(SimpleUpdateProcessor):
        """PTB's own concurrent processor (256 at once), wrappable."""

    app = (Application.builder().token("1:X").request(api).get_updates_request(api)
           .concurrent_updates(FloorProcessor(256)).build())
    app.add_handler(TypeHandler(Update, reply))
    records: dict[int, Record] = {}
    waiters: dict[int, asyncio.Future[None]] = {}
    _Timing(app.update_processor, records, waiters)
    await app.initialize()
    await app.start()
    ServingProcess.started()
    users = [FakeUser(app, api, 10_000 + i) for i in range(clerks)]
    for user in users:
        await user.send("/start")  # a message in the chat to press buttons on

    def next_update(user: FakeUser, step: str) -> Update:
        if step in ("book",):
            return text_update(api, user, "/book")
        if step in ("name", "phone"):
            return text_update(api, user, "李雷" if step == "name" else "13800138000")
        shown = (pressed or {}).get(step) or api.newest(user.chat_id)
        assert shown is not None
        return press_update(api, user, f"bk:{step}", shown)

    api.behaviour = _behaviour(latency)
    try:
        return await _drive(app, api, users, next_update, records, waiters, STEPS)
    finally:
        await app.stop()
        await app.shutdown()


# ---------------------------------------------------------------- the bot


@dataclass
class BotRun:
    """The bot's side of a run, with what the database holds afterwards."""

    result: RunResult
    capacity: int
    used: int
    booked: int
    persistence: DbStats
    booked_clerks: set[int]
    window: int
    startup: float
    cache_hits: int
    cache_loads: int
    receipt_latencies: list[float]  # 「确定」 queued → its receipt's last part (the .ics) in the chat


async def prepare(h: Harness, clerks: int, capacity: int) -> None:
    """Units, bound clerks who accepted the notice, and the rush slot's capacity."""
    now = h.clock.now()
    async with h.deps.db.write() as conn:
        await repo.set_slot_capacity(conn, RUSH_DAY, "am", capacity)
        for i in range(clerks):
            unit = await repo.insert_unit(conn, f"r{i:05d}", f"单位{i}", "x", now, temporary=False)
            await repo.touch_tg_user(conn, 10_000 + i, "经办人", now)
            await repo.bind_user(conn, 10_000 + i, unit, must_set_password=False, now=now)
            await repo.set_notice_version(conn, 10_000 + i, NOTICE_VERSION, now)


def bot_step(api: IndexedBotApi, session: str, pressed: dict[str, FakeMessage]) -> Any:
    """How a clerk makes each step of the flow (None: the button is not there).

    The first panel pressed at each step is kept in ``pressed`` (for the floor).
    """

    def press(user: FakeUser, *labels: str) -> Update | None:
        for label in labels:
            found = api.find_button(user.chat_id, label)
            if found is not None:
                pressed.setdefault(_step_of(found[1]), found[0])
                return press_update(api, user, found[1], found[0])
        return None

    def next_update(user: FakeUser, step: str) -> Update | None:
        if step == "book":
            return text_update(api, user, "/book")
        if step == "contact":
            return press(user, t.FILL_CONTACT_LABEL, t.EDIT_CONTACT_LABEL)
        if step == "name":
            return text_update(api, user, "李雷")
        if step == "phone":
            return text_update(api, user, "13800138000")
        if step == "add":
            newest = api.newest(user.chat_id)
            if newest is None:
                return None
            pressed.setdefault("add", newest)
            return press_update(api, user, "bk:add:new", newest)
        if step == "query":
            return press(user, t.QUERY_LABEL)
        if step == "slot":  # the cell of the rush day's session, whatever its label says
            data = pack("bk", "slot", RUSH_DAY, session)
            shown = api.find_data(user.chat_id, data)
            if shown is None:
                return None
            pressed.setdefault("slot", shown)
            return press_update(api, user, data, shown)
        if step == CONFIRM:
            return press(user, t.CONFIRM_LABEL)
        newest = api.newest(user.chat_id)  # a main-menu button: 已办理预约 (history), 我的预约 (my)
        return press_update(api, user, f"m:{step}", newest) if newest is not None else None

    return next_update


def _step_of(data: str) -> str:
    """The benchmark step a pressed button's data belongs to."""
    action = data.split(":")[1] if ":" in data else data
    return {"contact": "contact", "query": "query", "slot": "slot", "confirm": CONFIRM}.get(action, action)


async def run_bot(clerks: int, latency: float, *, db_path: Path | None = None, prepared: bool = False,
                  session: str = "am", steps: tuple[str, ...] = STEPS,
                  pressed: dict[str, FakeMessage] | None = None, warm_up: int = WARM_UP,
                  waves: bool = False) -> BotRun:
    """The bot under the rush; ``prepared``: the database at ``db_path`` already holds the clerks.

    Clerks 10000… take part; before them ``warm_up`` other clerks walk the flow (booking
    the afternoon), as clerks preparing before 09:00 would: the figures are of a bot
    that has been running, not of its first taps. ``waves``: every clerk takes a step
    before any takes the next (``_drive``).
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = db_path or Path(tmp) / "rush.sqlite3"
        api = IndexedBotApi()
        h = Harness(settings_for(path), ManualClock(RUSH_AT), api)
        started = time.perf_counter()
        await h.start()
        startup = time.perf_counter() - started
        ServingProcess.started()
        assert h.app is not None
        db = h.deps.db
        capacity = MINUTES_PER_BOOKING * max(1, clerks * 2 // 3)
        if prepared:
            async with db.write() as conn:
                await repo.set_slot_capacity(conn, RUSH_DAY, "am", capacity)
        else:
            await prepare(h, clerks + warm_up, capacity)
        warm = [h.user(10_000 + clerks + i) for i in range(warm_up)]
        await _drive(h.app, api, warm, bot_step(api, "pm", {}), {}, {}, STEPS,
                     timed=False)
        users = [h.user(10_000 + i) for i in range(clerks)]
        records: dict[int, Record] = {}
        waiters: dict[int, asyncio.Future[None]] = {}
        _Timing(h.app.update_processor, records, waiters)
        files: dict[int, float] = {}
        api.behaviour = _behaviour(latency, files)
        persist0 = DbStats()
        persist0.add(db.stats)
        hits0, loads0 = db.cache.hits, db.cache.loads
        result = await _drive(h.app, api, users, bot_step(api, session, {} if pressed is None else pressed),
                              records, waiters, steps, waves=waves)
        await h.flush()
        persistence = DbStats()
        persistence.add(db.stats)
        for r in result.records:
            for name in ("write_transactions", "read_transactions", "statements", "hops"):
                setattr(persistence, name, getattr(persistence, name) - getattr(r.db, name))
        for name in ("write_transactions", "read_transactions", "statements", "hops"):
            setattr(persistence, name, getattr(persistence, name) - getattr(persist0, name))
        async with db.read() as conn:
            used = (await repo.slot_usage(conn, [RUSH_DAY]))[(RUSH_DAY, "am")].used
            bookings = [b for b in await repo.bookings_on(conn, RUSH_DAY) if b.session == "am"]
        booked_clerks = {b.created_by - 10_000 for b in bookings if b.created_by is not None}
        window = h.app.update_processor.max_concurrent_updates
        receipts = [files[10_000 + r.clerk] - r.queued for r in result.records
                    if r.step == CONFIRM and r.clerk in booked_clerks and 10_000 + r.clerk in files]
        run = BotRun(result, capacity, used, len(bookings), persistence, booked_clerks, window, startup,
                     db.cache.hits - hits0, db.cache.loads - loads0, receipts)
        await h.stop()
    return run


# ---------------------------------------------------------------- report


def served_out_of_order(records: list[Record], booked_clerks: set[int], window: int) -> tuple[int, int]:
    """Among the 「确定」 presses: refused clerks who pressed before a booked one.

    Returns (all such clerks, those who pressed more than ``window`` presses before
    the last booked clerk — beyond what concurrent processing can reorder).
    """
    confirms = sorted((r for r in records if r.step == CONFIRM), key=lambda r: r.queued)
    rank_of_last_booked = max((i for i, r in enumerate(confirms) if r.clerk in booked_clerks), default=-1)
    late = [i for i, r in enumerate(confirms[:rank_of_last_booked]) if r.clerk not in booked_clerks]
    return len(late), sum(1 for i in late if rank_of_last_booked - i > window)


def per_step(records: list[Record]) -> dict[str, dict[str, float]]:
    """Mean counts per update, by step."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    counts: dict[str, int] = defaultdict(int)
    for r in records:
        counts[r.step] += 1
        s = sums[r.step]
        s["write_tx"] += r.db.write_transactions
        s["read_tx"] += r.db.read_transactions
        s["statements"] += r.db.statements
        s["hops"] += r.db.hops
        s["api"] += r.api_calls
        s["p99_ms"] = 0.0
    out = {}
    for step, s in sums.items():
        out[step] = {k: v / counts[step] for k, v in s.items()}
        out[step]["p99_ms"] = percentile([r.done - r.queued for r in records if r.step == step], 99) * 1000
    return out


async def rush(clerks: int, latency: float, *, check: bool, rounds: int = 1) -> list[str]:
    """Run bot and floor at ``clerks``, ``rounds`` times in turn; print the figures of the
    median round (by the CPU ratio); return the missed targets (if ``check``).

    These shared machines slow down for seconds at a time, which may fall on either
    side of one round: measured in turn several times, the median round is the one
    that such a slowdown did not decide.
    """
    runs: list[tuple[BotRun, RunResult]] = []
    for _ in range(rounds):
        pressed: dict[str, FakeMessage] = {}
        bot_run = await run_bot(clerks, latency, pressed=pressed)
        runs.append((bot_run, await run_floor(clerks, latency, pressed)))
    ratios = [bot_run.result.cpu_per_update / floor_run.cpu_per_update if floor_run.cpu_per_update else float("inf")
              for bot_run, floor_run in runs]
    bot, floor = runs[sorted(range(rounds), key=ratios.__getitem__)[rounds // 2]]
    b = bot.result
    steps = per_step([r if r.step != CONFIRM or r.clerk in bot.booked_clerks else replace(r, step=REFUSED)
                      for r in b.records])
    confirms = [r for r in b.records if r.step == CONFIRM]
    out_of_order, beyond = served_out_of_order(b.records, bot.booked_clerks, bot.window)
    unanswered = {r.clerk for r in b.records if not r.shown or not r.done}
    answered = clerks - len(unanswered)
    ratio_cpu = b.cpu_per_update / floor.cpu_per_update if floor.cpu_per_update else float("inf")
    ratio_tp = b.throughput / floor.throughput if floor.throughput else 0.0
    rss = peak_rss_mib()
    print(f"\n== {clerks} clerks, {latency * 1000:.0f} ms per Bot API call ==")
    print("| | updates/s | p50 | p99 | CPU per update |")
    print("| --- | --- | --- | --- | --- |")
    for name, r in (("bot", b), ("floor", floor)):
        print(f"| {name} | {r.throughput:.0f} | {percentile(r.latencies, 50) * 1000:.0f} ms "
              f"| {percentile(r.latencies, 99) * 1000:.0f} ms | {r.cpu_per_update * 1e6:.0f} µs "
              f"({r.raw_cpu / max(1, r.updates) * 1e6:.0f} µs with the simulated Telegram and clerks) |")
    print(f"bot/floor: CPU per update {ratio_cpu:.2f}×, throughput {ratio_tp * 100:.0f} %")
    if rounds > 1:
        print(f"CPU per update in each of {rounds} rounds (bot / floor = ratio; the median round is shown): "
              + "; ".join(f"{r.result.cpu_per_update * 1e6:.0f} / {f.cpu_per_update * 1e6:.0f} µs = {x:.2f}×"
                          for (r, f), x in zip(runs, ratios)))
    print("per update, by step:             write tx  read tx  statements  thread hops  Bot API calls  p99")
    for step in (*STEPS, REFUSED):
        s = steps.get(step)
        if s:
            print(f"  {step:<19}  {s['write_tx']:7.2f}  {s['read_tx']:7.2f}  {s['statements']:10.2f}"
                  f"  {s['hops']:11.2f}  {s['api']:13.2f}  {s['p99_ms']:.0f} ms")
    n = len(b.records)
    total = DbStats()
    for r in b.records:
        total.add(r.db)
    print(f"  all steps                      {total.write_transactions / n:7.2f}  {total.read_transactions / n:7.2f}"
          f"  {total.statements / n:10.2f}  {total.hops / n:11.2f}  {sum(r.api_calls for r in b.records) / n:13.2f}")
    p = bot.persistence
    print(f"outside the updates (persistence rounds of all clerks' states and drafts; the outbox courier's "
          f"group-committed records of the receipts' parts; jobs): "
          f"{p.write_transactions} write transactions, {p.statements} statements, {p.hops} trips for {n} updates")
    print(f"cache: {bot.cache_hits} hits, {bot.cache_loads} loads")
    print(f"capacity: {bot.used}/{bot.capacity} minutes used by {bot.booked} bookings; "
          f"every step answered for {answered}/{clerks} clerks; {len(confirms)} reached 「确定」 "
          f"(the others found the slot full when they chose it)")
    if bot.receipt_latencies:
        print(f"receipts (after the 「确定」 panel, their last part the .ics file): {len(bot.receipt_latencies)} "
              f"in the clerks' chats, p50 {percentile(bot.receipt_latencies, 50) * 1000:.0f} ms, "
              f"p99 {percentile(bot.receipt_latencies, 99) * 1000:.0f} ms after 「确定」 was pressed")
    print(f"order: {out_of_order} refused clerks pressed 「确定」 before the last booked one; "
          f"{beyond} beyond the concurrency window of {bot.window}")
    print(f"peak RSS {rss:.0f} MiB")
    if not check:
        return []
    missed = []
    if ratio_cpu > 3.0:
        missed.append(f"CPU per update {ratio_cpu:.2f}× the floor's (target ≤ 3×)")
    if percentile(b.latencies, 99) > 1.5:
        missed.append(f"p99 {percentile(b.latencies, 99):.2f} s (target ≤ 1.5 s)")
    if ratio_tp < 0.5:
        missed.append(f"throughput {ratio_tp * 100:.0f} % of the floor's (target ≥ 50 %)")
    missed += sold_exactly(bot, clerks, answered)
    if len(bot.receipt_latencies) != bot.booked:
        missed.append(f"receipts: {len(bot.receipt_latencies)} delivered for {bot.booked} bookings")
    if rss > 250:
        missed.append(f"peak RSS {rss:.0f} MiB (target ≤ 250)")
    for step in SCREEN_ONLY_STEPS:
        if steps[step]["write_tx"] > 0:
            missed.append(f"step {step}: {steps[step]['write_tx']:.2f} write transactions per update (target 0)")
    if abs(steps[CONFIRM]["write_tx"] - 1) > 1e-9:
        missed.append(f"「确定」 that booked: {steps[CONFIRM]['write_tx']:.2f} write transactions per update (target 1)")
    if steps.get(REFUSED, {}).get("write_tx", 0) > 1:
        missed.append(f"「确定」 refused: {steps[REFUSED]['write_tx']:.2f} write transactions per update (target ≤ 1)")
    if beyond:
        missed.append(f"{beyond} 「确定」 served out of order beyond the concurrency window")
    return missed


def sold_exactly(bot: BotRun, clerks: int, answered: int) -> list[str]:
    """Capacity sold exactly, every clerk answered."""
    missed = []
    expected = min(bot.capacity // MINUTES_PER_BOOKING, clerks)
    if bot.used != MINUTES_PER_BOOKING * bot.booked or bot.booked != expected:
        missed.append(f"capacity: {bot.booked} bookings using {bot.used} of {bot.capacity} minutes "
                      f"(expected {expected} bookings)")
    if answered != clerks:
        missed.append(f"only {answered} of {clerks} clerks had every step answered")
    return missed


async def main(argv: list[str] | None = None) -> int:
    """Run the rush at each size; check the targets at the largest."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clerks", default="100,1000", help="comma-separated clerk counts")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per Bot API call")
    parser.add_argument("--rounds", type=int, default=3, help="bot and floor measured in turn this many times")
    args = parser.parse_args(argv)
    ServingProcess.on = True  # both sides with the collector settings of ``python -m bot run``
    sizes = [int(x) for x in args.clerks.split(",")]
    missed: list[str] = []
    for n in sizes:
        missed += await rush(n, args.latency, check=n == max(sizes), rounds=args.rounds)
    print()
    return verdict(missed)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
