"""Fixtures of the security tier: the handler harness, and a recorder of every log line."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.__main__ import QUIET_LOGGERS, setup_logging
from bot.config import Settings
from tests.support.logs import LogRecorder


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
