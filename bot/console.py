"""``python -m bot console``: chat with the real bot in a terminal, without Telegram.

The application is the production one — ``build_application`` through
``bot.harness.Harness``: the same handlers, the same database file
(``BOT_DB_PATH``) — only the transport is the in-memory ``FakeBotApi``. Each line
read from stdin is one action of the current user:

    text            a message;  /command args  a command
    #3              press button 3 of the newest message that has buttons
    #1042.3         press button 3 of message #1042
    \\as 2 | /as 2   act as user 2 (Telegram id 10002);  \\as admin  the first admin
    \\time [ISO]     show or set the clock;  \\advance 30m  move it (d h m s)
    \\tick           run the due reminders (bot.jobs.reminders.run_due), if present
    \\share 2       pick user 2 with the bot's 「选择联系人」 keyboard button (users_shared)
    \\forward 2 文字  forward a message of user 2 to the bot
    \\users  \\help  \\quit (or end of input)

After every action the console prints what changed in the chats: new bot messages
with their buttons numbered, edits ("✎ 编辑 #1042"), deletions, callback answers,
and documents and photos, which are also saved under the files folder.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.clock import ManualClock, SystemClock
from bot.config import Settings
from bot.delivery.policy import DeliveryPolicy
from bot.fake_telegram import FakeMessage, FakeUser
from bot.harness import Harness
from bot.jobs.reminders import run_due
from bot.rules.tz import TZ
from bot.storage import repo
from bot.texts import fmt_instant

USER_ID_BASE = 10000  # user n is Telegram id 10000 + n
CONSOLE_ADMIN_ID = 99999  # the admin when BOT_ADMIN_IDS names none
DEFAULT_FILES = Path("console-files")
WATCH_SECONDS = 0.3  # how often the console looks for messages the bot sent on its own

HELP = """控制台命令（反斜杠开头，不会发给机器人）：
  文字 / /命令 参数   以当前用户身份发送
  #3                 按最新一条带按钮消息的第3个按钮；#1042.3 按消息 #1042 的第3个按钮
  \\as 2 或 /as 2     切换到用户2（Telegram id 10002）；\\as admin 切换到管理员
  \\users             列出本次用过的用户
  \\time              显示时间；\\time 2026-12-01T09:30 设置时间
  \\advance 30m       时间前进（单位 d h m s，可组合如 1h30m，可为负）
  \\tick              运行到期的提醒检查
  \\share 2           用输入框下方的「选择联系人」按钮选中用户2
  \\forward 2 你好     把用户2的一条消息转发给机器人
  \\help  \\quit        帮助 / 退出（或输入结束）"""
NO_UNITS = "还没有任何单位账户。先创建一个：python -m bot units create USERNAME NAME"
ADMIN_ADDED = (f"未配置 BOT_ADMIN_IDS：本控制台把 {CONSOLE_ADMIN_ID} 作为管理员（只在控制台内），"
               "用 \\as admin 试用工作人员命令。")

_PRESS = re.compile(r"#(?:(\d+)\.)?(\d+)")
_DURATION = re.compile(r"([+-]?)((?:\d+[dhms])+)")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


class ConsoleClock:
    """The system clock, or — from ``--now``, ``\\time`` or ``\\advance`` on — a ManualClock
    running along with real time from the chosen instant."""

    def __init__(self, start: datetime | None = None) -> None:
        self._manual = ManualClock(start, running=True) if start is not None else None

    @property
    def manual(self) -> bool:
        """Whether the clock was set by hand."""
        return self._manual is not None

    def now(self) -> datetime:
        """The current instant, Asia/Shanghai."""
        return self._manual.now() if self._manual is not None else SystemClock().now()

    def set(self, instant: datetime) -> None:
        """Jump to ``instant`` and keep running from there."""
        self._manual = ManualClock(instant, running=True)


def parse_instant(text: str) -> datetime:
    """An ISO date-time; without an offset it is Asia/Shanghai time."""
    instant = datetime.fromisoformat(text.strip())
    return instant.replace(tzinfo=TZ) if instant.tzinfo is None else instant.astimezone(TZ)


def parse_duration(text: str) -> timedelta:
    """'30m', '1h30m', '2d', '-15m' as a timedelta; ValueError otherwise."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ValueError(text)
    delta = timedelta(**{_UNITS[u]: int(n) for n, u in re.findall(r"(\d+)([dhms])", match[2])})
    return -delta if match[1] == "-" else delta


class Console:
    """One terminal session: the application, its users, and what was already shown."""

    def __init__(self, settings: Settings, clock: ConsoleClock, files: Path, out: TextIO) -> None:
        # The production delivery policy: the outbox's loop finds what nobody sent, as in a real run.
        self.harness = Harness(settings, clock, check_transactions=False, delivery=DeliveryPolicy())
        self.clock = clock
        self.files = files
        self.out = out
        self.admin_id = min(settings.bot_admin_ids) if settings.bot_admin_ids else CONSOLE_ADMIN_ID
        self.user_id = USER_ID_BASE + 1
        self._shown: dict[int, tuple[str, Any, bool]] = {}  # message id -> (shown, markup, deleted)
        self._calls_seen = 0
        self._reply_keyboard: list[list[dict[str, Any]]] | None = None  # shown under the input field
        self._used: set[int] = set()

    # ---------------------------------------------------------------- output

    def say(self, text: str = "") -> None:
        """Print one console line (or several)."""
        print(text, file=self.out, flush=True)

    def who(self, user_id: int) -> str:
        """'admin', or the user's number."""
        return "admin" if user_id == self.admin_id else str(user_id - USER_ID_BASE)

    def name(self, user_id: int) -> str:
        """'管理员' or '用户2'."""
        return "管理员" if user_id == self.admin_id else f"用户{self.who(user_id)}"

    def report(self) -> None:
        """Print every change in the chats since the last report."""
        api = self.harness.api
        for call in api.calls[self._calls_seen:]:
            text = call.params.get("text")
            if call.method == "answerCallbackQuery" and text:
                alert = str(call.params.get("show_alert")).lower() == "true"
                self.say(f"{'⚠️ 提示框' if alert else '💬'} {text}")
        self._calls_seen = len(api.calls)
        keys = api.reply_keyboards.get(self.user_id)
        if keys != self._reply_keyboard:
            self._reply_keyboard = keys
            if keys:
                self.say("⌨ 输入框下方的按钮：" + "  ".join(b["text"] for row in keys for b in row)
                         + "（用 \\share N 选择用户N）")
            else:
                self.say("⌨ 输入框下方的按钮已收起")
        for msg in sorted(api.messages.values(), key=lambda m: m.message_id):
            state = (msg.shown, msg.reply_markup, msg.deleted)
            before = self._shown.get(msg.message_id)
            self._shown[msg.message_id] = state
            if before == state or (before is None and not msg.from_bot and not msg.deleted):
                continue
            chat = "" if msg.chat_id == self.user_id else f" → {self.name(msg.chat_id)}"
            if msg.deleted:
                whose = "机器人的消息" if msg.from_bot else "你的消息"
                self.say(f"🗑 {whose} #{msg.message_id} 已删除{chat}")
            elif before is None:
                self.show_message(msg, f"🤖 #{msg.message_id}{chat}")
            else:
                self.show_message(msg, f"✎ 编辑 #{msg.message_id}{chat}")

    def show_message(self, msg: FakeMessage, header: str) -> None:
        """The message's text, numbered buttons, and files (saved to disk)."""
        self.say(header)
        if msg.shown:
            self.say(msg.shown)
        if msg.document is not None:
            name, content = msg.document
            self.say(f"📎 {name} ({len(content)} bytes) → {self.save(name, content, msg.message_id)}")
        if msg.photo is not None:
            ext = ".png" if msg.photo.startswith(b"\x89PNG") else ".jpg"
            name = f"photo-{msg.message_id}{ext}"
            self.say(f"🖼 {name} ({len(msg.photo)} bytes) → {self.save(name, msg.photo, msg.message_id)}")
        number = 0
        for row in (msg.reply_markup or {}).get("inline_keyboard", []):
            cells = []
            for btn in row:
                number += 1
                link = f" ({btn['url']})" if "url" in btn else ""
                cells.append(f"[{number}] {btn['text']}{link}")
            self.say("  " + "  ".join(cells))
        self.say()

    def save(self, name: str, content: bytes, message_id: int) -> Path:
        """Write a file the bot sent; an older different file of that name is kept."""
        self.files.mkdir(parents=True, exist_ok=True)
        path = self.files / (Path(name).name or f"file-{message_id}")
        if path.exists() and path.read_bytes() != content:
            path = path.with_name(f"{path.stem}-{message_id}{path.suffix}")
        path.write_bytes(content)
        return path

    # ---------------------------------------------------------------- acting

    @property
    def user(self) -> FakeUser:
        """The current user (the admin is called 管理员, the others 用户n)."""
        self._used.add(self.user_id)
        return self.harness.user(self.user_id, self.name(self.user_id))

    async def handle(self, line: str) -> bool:
        """Do what one input line says; False when the session should end."""
        line = line.strip()
        if not line:
            return True
        word, _, arg = line.partition(" ")
        if word.startswith("\\") or word == "/as":
            return await self.console_command(word.lstrip("\\/"), arg.strip())
        press = _PRESS.fullmatch(line)
        if press:
            await self.press(int(press[1]) if press[1] else None, int(press[2]))
        else:
            await self.user.send(line)
        self.report()
        return True

    async def press(self, message_id: int | None, number: int) -> None:
        """Press button ``number`` (from 1) of a message of the current user's chat."""
        user = self.user
        if message_id is None:
            target = next((m for m in reversed(user.bot_messages()) if m.buttons), None)
        else:
            target = next((m for m in user.bot_messages() if m.message_id == message_id), None)
        if target is None or not 1 <= number <= len(target.buttons):
            self.say("没有这个按钮。" + ("" if target else "（没有带按钮的消息）"))
            return
        label, data = target.buttons[number - 1]
        if not data:
            self.say(f"「{label}」是链接按钮，控制台不打开链接。")
            return
        self.say(f"👆 {label}")
        update = user.callback_update(data, target)
        await user.feed(update)
        if update.callback_query.id not in self.harness.api.answered:  # type: ignore[union-attr]
            self.say("（注意：机器人没有应答这次按键）")

    async def console_command(self, name: str, arg: str) -> bool:
        """The backslash commands (and /as)."""
        commands: dict[str, Callable[[str], Awaitable[None]]] = {
            "as": self.switch, "users": self.users, "time": self.time, "advance": self.advance,
            "tick": self.tick, "help": self.help, "share": self.share, "forward": self.forward,
        }
        if name in ("quit", "q", "exit"):
            return False
        if name not in commands:
            self.say(f"未知的控制台命令 \\{name}。输入 \\help 查看。")
            return True
        await commands[name](arg)
        return True

    async def share(self, arg: str) -> None:
        """\\share N: pick user N with the reply keyboard's request_users button."""
        keys = self.harness.api.reply_keyboards.get(self.user_id) or []
        request = next((b["request_users"] for row in keys for b in row if "request_users" in b), None)
        if request is None or not arg.isdigit():
            self.say("没有「选择联系人」按钮，或用法不对：\\share 2")
            return
        picked = USER_ID_BASE + int(arg)
        await self.user.share_user(request["request_id"], picked, self.name(picked))
        self.report()

    async def forward(self, arg: str) -> None:
        """\\forward N text: forward user N's message to the bot."""
        who, _, text = arg.partition(" ")
        if not who.isdigit() or not text.strip():
            self.say("用法：\\forward 2 你好")
            return
        sender = USER_ID_BASE + int(who)
        await self.user.forward_from({"id": sender, "first_name": self.name(sender)}, text.strip())
        self.report()

    async def help(self, arg: str) -> None:
        """\\help."""
        self.say(HELP)

    async def switch(self, arg: str) -> None:
        """\\as N / \\as admin."""
        if arg == "admin":
            self.user_id = self.admin_id
        elif arg.isdigit() and int(arg) > 0:
            self.user_id = USER_ID_BASE + int(arg)
        else:
            self.say("用法：\\as 2 或 \\as admin")
            return
        _ = self.user  # opens the user's chat, so the bot may write to it
        self.say(f"现在是{self.name(self.user_id)}（Telegram id {self.user_id}）。")

    async def users(self, arg: str) -> None:
        """\\users: who was used, and which unit each is logged into."""
        for user_id in sorted({self.user_id, *self._used}):
            found = await self.harness.deps.accounts.unit_of_user(user_id)
            unit = f"已登录 {found[1].name}" if found else "未登录"
            mark = "▶" if user_id == self.user_id else " "
            self.say(f"{mark} {self.name(user_id)}  id {user_id}  {unit}")

    async def time(self, arg: str) -> None:
        """\\time shows the clock; \\time ISO sets it."""
        if arg:
            try:
                self.clock.set(parse_instant(arg))
            except ValueError:
                self.say("用法：\\time 2026-12-01T09:30")
                return
        kind = "手动设置，随真实时间走" if self.clock.manual else "系统时钟"
        self.say(f"🕒 {fmt_instant(self.clock.now())}（{kind}）")

    async def advance(self, arg: str) -> None:
        """\\advance 30m."""
        try:
            delta = parse_duration(arg)
        except ValueError:
            self.say("用法：\\advance 30m（单位 d h m s，如 1h30m、-15m）")
            return
        self.clock.set(self.clock.now() + delta)
        await self.time("")

    async def tick(self, arg: str) -> None:
        """\\tick: run the scheduled reminder check now."""
        sent_by_kind = await run_due(self.harness.app)
        sent = "、".join(f"{kind} {n}条" for kind, n in sent_by_kind.items() if n) or "没有到期的提醒"
        self.say(f"已运行到期提醒检查：{sent}。")
        self.report()

    # ---------------------------------------------------------------- session

    async def banner(self, admin_added: bool) -> None:
        """Where we are, whose turn it is, and how to begin."""
        settings = self.harness.settings
        self.say("朝阳工作居住证预约 — 控制台模式（不连接 Telegram，使用真实的处理流程和数据库）")
        self.say(f"数据库：{settings.bot_db_path}")
        await self.time("")
        self.say(f"机器人发送的文件保存到：{self.files}")
        if admin_added:
            self.say(ADMIN_ADDED)
        async with self.harness.deps.db.read() as conn:
            if not await repo.search_units(conn, "", limit=1):
                self.say(NO_UNITS)
        self.say(f"当前是用户1（Telegram id {self.user_id}）。发送 /start 开始；\\help 查看控制台命令。")
        self.say()

    def run(self, stdin: TextIO, admin_added: bool) -> int:
        """Read and act on lines until \\quit or the end of input."""
        with asyncio.Runner() as runner:
            try:
                runner.run(self._session(stdin, admin_added))
            except KeyboardInterrupt:
                self.say()
        self.say("已退出控制台。")
        return 0

    async def _session(self, stdin: TextIO, admin_added: bool) -> None:
        """The whole session in one running event loop.

        Lines are read by a separate thread, so the loop keeps running while the
        console waits for input: the reminders tick, broadcasts and the outbox go on,
        and what they send is printed as it arrives.
        """
        interactive = stdin.isatty()  # a terminal gets a prompt; a script gets its lines echoed
        await self.harness.start()
        lines = _LineReader(stdin)
        watcher = asyncio.create_task(self._watch(interactive), name="console-watch")
        try:
            await self.banner(admin_added)
            self.report()  # what the start-up catch-up of reminders sent, if anything
            while True:
                if interactive:
                    self._prompt()
                line = await lines.next()
                if not line:
                    break
                if not interactive and line.strip():
                    self.say(f"🧑{self.who(self.user_id)} › {line.strip()}")
                try:
                    if not await self.handle(line):
                        break
                except Exception as err:  # noqa: BLE001 - the session goes on after a console bug
                    logging.getLogger(__name__).exception("console error")
                    self.say(f"控制台出错：{type(err).__name__}（详见日志）")
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
            await self.harness.stop()

    def _prompt(self) -> None:
        self.out.write(f"{self.name(self.user_id)}> ")
        self.out.flush()

    async def _watch(self, interactive: bool) -> None:
        """While waiting for input: print what the bot sent on its own (jobs, broadcasts, the outbox)."""
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            if len(self.harness.api.calls) != self._calls_seen:
                if interactive:
                    self.out.write("\n")
                self.report()
                if interactive:
                    self._prompt()


class _LineReader:
    """Lines of a blocking stream, read by a daemon thread and handed to the event loop."""

    def __init__(self, stream: TextIO) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        threading.Thread(target=self._read, args=(stream,), name="console-stdin", daemon=True).start()

    def _read(self, stream: TextIO) -> None:
        try:
            for line in iter(stream.readline, ""):
                self._loop.call_soon_threadsafe(self._queue.put_nowait, line)
            self._loop.call_soon_threadsafe(self._queue.put_nowait, "")
        except RuntimeError:  # the loop closed while we were reading: the session is over
            return

    async def next(self) -> str:
        """The next line ('' at the end of input)."""
        return await self._queue.get()


def _replace_errors(stream: TextIO) -> TextIO:
    """The same stream, replacing characters its encoding cannot carry instead of failing."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="replace")
    return stream


def main(settings: Settings, now: datetime | None = None, *, files: Path | str | None = None,
         stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run the console on ``settings``' database; ``now`` starts a hand-set clock there."""
    admin_added = not settings.bot_admin_ids
    if admin_added:
        settings = settings.model_copy(update={"bot_admin_ids": frozenset({CONSOLE_ADMIN_ID})})
    for name in ("telegram", "apscheduler"):  # their INFO lines would drown the chat
        logging.getLogger(name).setLevel(logging.WARNING)
    console = Console(settings, ConsoleClock(now), Path(files) if files else DEFAULT_FILES,
                      _replace_errors(stdout or sys.stdout))
    return console.run(_replace_errors(stdin or sys.stdin), admin_added)
