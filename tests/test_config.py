"""Settings: parsing, clear errors naming the setting, and .env.example lists every field."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest

from bot.config import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_env_example_lists_every_setting_with_a_comment() -> None:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    names = {line.split("=")[0] for line in lines if re.match(r"^[A-Z0-9_]+=", line)}
    assert names == {f.upper() for f in Settings.model_fields}
    for i, line in enumerate(lines):
        if re.match(r"^[A-Z0-9_]+=", line):
            assert lines[i - 1].startswith("#"), f"{line} has no comment above it"


def test_parses_lists_sessions_and_times(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_ADMIN_IDS", " 11, 22 ,33")
    monkeypatch.setenv("BOT_SESSIONS", "pm=下午@13:30-17:00,am=上午@09:00-12:00")
    monkeypatch.setenv("BOT_RELEASE_NOTICE_TIME", "09:05")
    settings = load_settings(_env_file=None)
    assert settings.bot_admin_ids == {11, 22, 33}
    assert [s.key for s in settings.bot_sessions] == ["am", "pm"]
    assert settings.bot_sessions[0].default_capacity(settings.bot_counters) == 540
    assert settings.bot_release_notice_time == time(9, 5)
    assert settings.bot_token is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_ADMIN_IDS", "alice"),
        ("BOT_COUNTERS", "0"),
        ("BOT_SESSIONS", "am=上午@12:00-09:00"),
        ("BOT_API_BASE_URL", "ftp://x"),
        ("BOT_TOKEN", "not-a-token"),
        ("BOT_LOG_LEVEL", "LOUD"),
    ],
)
def test_bad_setting_is_named_without_echoing_secrets(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings(_env_file=None)
    assert name in str(err.value)
    if name == "BOT_TOKEN":
        assert value not in str(err.value)


def test_token_is_secret() -> None:
    settings = Settings(_env_file=None, bot_token="123:ABC")  # type: ignore[call-arg]
    assert "ABC" not in repr(settings) and "ABC" not in str(settings.model_dump())
