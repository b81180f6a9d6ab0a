"""Fixtures of the security tier: the handler harness, and a recorder of every log line."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.__main__ import QUIET_LOGGERS, setup_logging
from bot.config import Settings
from tests.handlers.conftest import harness, settings  # noqa: F401 - fixtures shared with this tier


class LogRecorder(logging.Handler):
    """Every record that reaches the root logger, in the bot's layout but not redacted:
    a leak is caught where it is made, not hidden by ``PrivateFormatter``."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self) -> list[str]:
        """Each record as written to the log, traceback included."""
        return [self.format(r) for r in self.records]

    def errors(self) -> list[str]:
        """The records at ERROR and above."""
        return [self.format(r) for r in self.records if r.levelno >= logging.ERROR]


@pytest.fixture
def all_logs() -> Iterator[LogRecorder]:
    """The most the product can be configured to log: BOT_LOG_LEVEL=DEBUG.

    The root logger at DEBUG and the third-party loggers at the floors
    ``setup_logging`` gives them (``QUIET_LOGGERS``), as ``python -m bot`` does.
    """
    root = logging.getLogger()
    saved = root.level, {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    handlers = list(root.handlers)
    recorder = LogRecorder()
    root.addHandler(recorder)
    root.setLevel(logging.DEBUG)
    setup_logging(Settings(_env_file=None, bot_log_level="DEBUG"))  # type: ignore[call-arg]
    try:
        yield recorder
    finally:
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)  # the recorder, and basicConfig's stderr handler
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)
