"""Limits of unit accounts and logins (SPEC §9): password length, usernames, names, lockout."""

from __future__ import annotations

import re

MAX_FAILURES = 5
LOCK_MINUTES = 15

MIN_PASSWORD = 8
MAX_PASSWORD = 128

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,32}$")
MIN_NAME, MAX_NAME = 2, 100
