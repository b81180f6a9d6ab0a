"""Settings: parsing, clear errors naming the setting, and .env.example lists every field."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.errors import SettingsError

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


BAD_VALUES = {
    "BOT_TOKEN": "12345:has a space",
    "BOT_API_BASE_URL": "api.telegram.org/bot",
    "BOT_API_FILE_URL": "file:///etc/passwd",
    "BOT_ADMIN_IDS": "1,two",
    "BOT_SESSIONS": "morningsessionlongkey=上午@09:00-12:00",
    "BOT_COUNTERS": "0",
    "BOT_CONVERSATION_TIMEOUT_MINUTES": "0",
    "BOT_RELEASE_NOTICE_TIME": "25:00",
    "BOT_DEADLINE_REMINDER_TIME": "noon",
    "BOT_APPOINTMENT_REMINDER_TIME": "8",
    "BOT_EVALUATION_FOLLOWUP_TIME": "10:61",
    "BOT_UNFREEZE_NOTICE_TIME": "x",
    "BOT_STAFF_DIGEST_TIME": "-1",
    "BOT_CALENDAR_WARNING_TIME": "9am",
    "BOT_ARGON2_MEMORY_KIB": "8",
    "BOT_ARGON2_TIME_COST": "0",
    "BOT_API_MAX_RATE": "0",
    "BOT_CJK_FONT": "/no/such/font.ttc",
    "BOT_BROADCAST_RATE": "31",
    "BOT_LOG_LEVEL": "TRACE",
}
FREE_TEXT = {"BOT_DB_PATH", "BOT_CENTRE_NAME", "BOT_CENTRE_ADDRESS", "BOT_CENTRE_PHONE"}


def test_every_setting_that_can_be_wrong_has_a_bad_value_here() -> None:
    assert set(BAD_VALUES) | FREE_TEXT == {f.upper() for f in Settings.model_fields}


@pytest.mark.parametrize(("name", "value"), sorted(BAD_VALUES.items()))
def test_each_bad_setting_names_itself(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings(_env_file=None)
    message = str(err.value)
    assert message.startswith(f"{name}: ") and "\n" not in message
    if name == "BOT_TOKEN":
        assert "has a space" not in message


@pytest.mark.parametrize("token", ["１２３:abc", "123:密钥", "123:", ":abc", "123abc"])
def test_malformed_tokens_are_refused_without_echo(token: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(_env_file=None, bot_token=token)
    assert str(err.value).startswith("BOT_TOKEN: ") and token not in str(err.value)


def test_spaces_around_the_token_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "  123456:ABC-def_1 \t")
    settings = load_settings(_env_file=None)
    assert settings.bot_token is not None and settings.bot_token.get_secret_value() == "123456:ABC-def_1"


def test_a_dotenv_that_is_not_utf8_is_a_settings_error(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_bytes(b"BOT_CENTRE_NAME=\xb3\xaf\xd1\xf4\n")
    with pytest.raises(SettingsError, match=r"\.env: not UTF-8"):
        load_settings(_env_file=env_file)


def test_every_button_fits_with_the_longest_session_key() -> None:
    from datetime import date

    from bot.callbacks import MAX_BYTES, pack
    from bot.config import MAX_SESSION_KEY

    key, day, big = "k" * MAX_SESSION_KEY, date(2099, 12, 31), 10**12
    for data in (pack("bk", "rebook", day, key, big), pack("my", "movedo", big, day, key),
                 pack("st", "capcl", day, key, 1), pack("st", "capset", day, key), pack("bk", "slot", day, key)):
        assert len(data.encode()) <= MAX_BYTES
