"""``python -m bot`` as end-to-end tests need it: the real process, on a clock that starts at
a chosen instant and runs with real time (so a test can be at 14:59:50 on a working day).

Usage: ``python tests/e2e/clocked_bot.py 2026-12-01T14:59:50`` with the bot's usual
``BOT_*`` environment.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.__main__ import setup_logging  # noqa: E402 - after the path is set
from bot.app import run_polling  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.rules.tz import TZ  # noqa: E402


def main() -> None:
    """Run the bot until SIGINT, its clock starting at argv[1] (Asia/Shanghai)."""
    start = datetime.fromisoformat(sys.argv[1]).replace(tzinfo=TZ)
    settings = load_settings()
    setup_logging(settings)
    run_polling(settings, clock=ManualClock(start, running=True))


if __name__ == "__main__":
    main()
