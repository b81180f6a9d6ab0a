"""A recorder of every log line, in the bot's layout but not redacted."""

from __future__ import annotations

import logging


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
