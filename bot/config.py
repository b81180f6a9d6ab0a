"""Settings: one pydantic-settings class, read from the environment and ``.env``.

Loaded once at start (``load_settings``) and passed down; nothing else reads the
environment. Every field is listed with a comment in ``.env.example``.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import SettingsError
from bot.rules.capacity import DEFAULT_SESSIONS, SessionSpec, parse_sessions

TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILES = "https://api.telegram.org/file/bot"
MAX_SESSION_KEY = 16  # keeps every button's callback data within Telegram's 64 bytes


class Settings(BaseSettings):
    """Every setting of the bot. Environment variables are the field names, upper-cased."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    bot_token: SecretStr | None = None
    bot_api_base_url: str = TELEGRAM_API
    bot_api_file_url: str = TELEGRAM_FILES
    bot_db_path: Path = Path("data/bot.sqlite3")
    bot_admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()

    bot_centre_name: str = "朝阳区人力资源公共服务中心"
    bot_centre_address: str = "朝阳区人力资源公共服务中心（具体地址以中心公告为准）"
    bot_centre_phone: str = "57596100-3"

    bot_sessions: Annotated[tuple[SessionSpec, ...], NoDecode] = DEFAULT_SESSIONS
    bot_counters: int = Field(default=3, ge=1, le=50)

    bot_conversation_timeout_minutes: int = Field(default=30, ge=1, le=24 * 60)
    bot_release_notice_time: time = time(9, 0)
    bot_deadline_reminder_time: time = time(15, 0)
    bot_appointment_reminder_time: time = time(8, 0)
    bot_evaluation_followup_time: time = time(10, 0)
    bot_unfreeze_notice_time: time = time(9, 0)
    bot_staff_digest_time: time = time(8, 30)
    bot_calendar_warning_time: time = time(9, 0)

    # argon2id cost of password hashes (OWASP: ≥ 19 MiB memory, ≥ 2 passes)
    bot_argon2_memory_kib: int = Field(default=65536, ge=1024)
    bot_argon2_time_cost: int = Field(default=3, ge=1)
    bot_api_max_rate: float = Field(default=30.0, gt=0)
    bot_cjk_font: Path | None = None
    # Bulk sends start ≥ 1/rate apart, measured from each real start, so no second holds more
    # than `rate` of them; at 29 the one spare of Telegram's 30 absorbs the jitter between a
    # call's start and its arrival there.
    bot_broadcast_rate: float = Field(default=29.0, gt=0, le=30)
    bot_log_level: str = "INFO"

    @field_validator("bot_admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept '1, 2,3' as well as a list."""
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError("must be comma-separated numeric Telegram user ids") from None
        return value

    @field_validator("bot_cjk_font", "bot_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """An empty line in .env (``BOT_TOKEN=``) means the setting is not set; spaces around are dropped."""
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("bot_cjk_font")
    @classmethod
    def _font_exists(cls, value: Path | None) -> Path | None:
        """A configured font must be there (the chart would silently use another)."""
        if value is not None and not value.is_file():
            raise ValueError("no such font file")
        return value

    @field_validator("bot_sessions", mode="before")
    @classmethod
    def _parse_sessions(cls, value: object) -> object:
        """Accept the 'am=上午@09:00-12:00,pm=下午@13:30-17:00' form."""
        return parse_sessions(value) if isinstance(value, str) else value

    @field_validator("bot_sessions")
    @classmethod
    def _short_session_keys(cls, value: tuple[SessionSpec, ...]) -> tuple[SessionSpec, ...]:
        """Session keys travel in button data, which Telegram caps at 64 bytes."""
        for spec in value:
            if len(spec.key) > MAX_SESSION_KEY:
                raise ValueError(f"session key {spec.key!r} is longer than {MAX_SESSION_KEY} characters")
        return value

    @field_validator("bot_api_base_url", "bot_api_file_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        """A Bot API server is reached over HTTP(S)."""
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        """Catch an obviously malformed token early, without echoing it."""
        if value is not None:
            bot_id, sep, secret = value.get_secret_value().partition(":")
            well_formed = secret.isascii() and not any(ch.isspace() for ch in secret)
            if not sep or not (bot_id.isascii() and bot_id.isdigit()) or not secret or not well_formed:
                raise ValueError("does not look like a token from @BotFather (digits:secret)")
        return value

    @field_validator("bot_log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        """Only the standard logging level names."""
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value

    @property
    def staff_admins(self) -> frozenset[int]:
        """The admins' Telegram user ids."""
        return self.bot_admin_ids


def describe_validation_error(err: ValidationError) -> str:
    """One line per bad setting, naming its environment variable, never its value."""
    lines = []
    for problem in err.errors():
        name = str(problem["loc"][0]).upper() if problem["loc"] else "settings"
        lines.append(f"{name}: {problem['msg']}")
    return "\n".join(lines)


def load_settings(**overrides: object) -> Settings:
    """Read the settings once; raises SettingsError naming every bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        raise SettingsError(describe_validation_error(err)) from None
    except UnicodeDecodeError:
        raise SettingsError(".env: not UTF-8 text; save it as UTF-8") from None
