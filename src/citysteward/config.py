"""Settings, read once from the environment (CITYSTEWARD_*) by the entry points."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo


def _env(name: str, default: str) -> str:
    return os.environ.get(f"CITYSTEWARD_{name}", default)


class SettingError(ValueError):
    """A CITYSTEWARD_* value that cannot be used; `message` says which and why, in the users' language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


N = TypeVar("N", int, float)


def _env_number(name: str, default: N, minimum: N) -> N:
    """A number setting, at least `minimum`; anything else stops the start with the setting's name."""
    raw = _env(name, str(default)).strip()
    kind = type(default)
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value != value or value < minimum:  # value != value: NaN
        word = "整数" if kind is int else "数字"
        raise SettingError(f"设置 CITYSTEWARD_{name} 应为不小于 {minimum:g} 的{word}，现为“{raw}”")
    return value


ACCESS_LOG_MIN_DAYS = 180


def _access_log_days() -> int:
    days = _env_number("ACCESS_LOG_DAYS", 0, 0)
    if 0 < days < ACCESS_LOG_MIN_DAYS:
        raise SettingError(f"设置 CITYSTEWARD_ACCESS_LOG_DAYS 应为 0（不清理）或不少于 {ACCESS_LOG_MIN_DAYS} 天"
                           f"（网络安全法：网络日志留存不少于六个月），现为“{days}”")
    return days


def _env_flag(name: str) -> bool:
    """A yes/no setting: 1, true, yes or on (any case) turn it on; anything else, or unset, leaves it off."""
    return _env(name, "0").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/citysteward.db"
    media_dir: Path = Path("var/media")
    city_prefix: str = "JZ"
    city_name: str = "焦作市"
    timezone: str = "Asia/Shanghai"
    token_ttl_hours: float = 12.0
    max_photo_bytes: int = 8 * 1024 * 1024
    max_photo_pixels: int = 40_000_000
    max_photos_per_report: int = 6
    tile_url: str = ""
    secret_key: str = field(default="dev-insecure-change-me", repr=False)
    smtp_host: str = ""  # empty: no e-mail, in-app notices only
    smtp_port: int = 25
    smtp_from: str = "citysteward@localhost"
    # -- HTTP edge (docs/security.md "HTTP edge"): body limits, the public address, a trusted proxy
    max_body_bytes: int = 1024 * 1024  # JSON, form and other bodies
    max_upload_bytes: int = 0  # multipart uploads; 0: max_photo_bytes × max_photos_per_report + 1 MiB
    public_base_url: str = ""  # e.g. https://cg.example.gov.cn; empty: taken from each request
    trust_proxy: bool = False  # believe X-Forwarded-Proto/-Host from the reverse proxy in front
    # an idle keep-alive connection stays open this long; longer than the reverse proxy's own idle timeout
    # (nginx's upstream keepalive_timeout is 60 s), so the proxy never reuses one the server is just closing
    keep_alive_seconds: int = 75
    # -- throttling and logins (docs/security.md "Throttling"): counted per client address; 0 turns a limit off
    redis_url: str = ""  # e.g. redis://127.0.0.1:6379/0; empty: the counters are kept in the database
    reports_per_minute: int = 10  # anonymous reports (REST and the citizen page)
    reports_per_day: int = 100
    reports_per_phone_hour: int = 5  # anonymous reports giving one phone number, from any address
    reports_per_phone_day: int = 20
    me_too_per_minute: int = 10  # "me too" (besides: once per client and case)
    me_too_per_day: int = 100
    login_failures_per_user: int = 5  # wrong passwords for one user name before it is locked
    login_failures_per_ip: int = 20  # wrong passwords from one address before it is locked
    login_lockout_seconds: int = 900  # the window the failures are counted in; a lockout lasts to its end
    # the access log's retention in days; 0 keeps every entry. At least 180 when set: the Cybersecurity Law
    # (网络安全法 art. 21) has network logs kept for no less than six months
    access_log_days: int = 0
    # -- idempotent intake (docs/security.md "Idempotent intake")
    idempotency_ttl_hours: float = 24.0  # how long a report's Idempotency-Key is remembered
    # -- a read-only PostgreSQL streaming replica for lists, dashboards, papers, Open311 GETs (docs/deploy.md)
    replica_url: str = field(default="", repr=False)  # empty: every read goes to the primary
    # -- FastAPI's own OpenTelemetry spans and metrics, when the process has a provider configured. Off by
    # default: looking for a provider on every request cost 5 % of a short GET (docs/performance.md).
    otel: bool = False

    @property
    def upload_limit(self) -> int:
        return self.max_upload_bytes or self.max_photo_bytes * self.max_photos_per_report + 1024 * 1024

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": _env("DATABASE_URL", cls.database_url),
            "media_dir": Path(_env("MEDIA_DIR", str(cls.media_dir))),
            "city_prefix": _env("CITY_PREFIX", cls.city_prefix),
            "city_name": _env("CITY_NAME", cls.city_name),
            "timezone": _env("TIMEZONE", cls.timezone),
            "token_ttl_hours": _env_number("TOKEN_TTL_HOURS", cls.token_ttl_hours, 0.0),
            "max_photo_bytes": _env_number("MAX_PHOTO_BYTES", cls.max_photo_bytes, 1),
            "tile_url": _env("TILE_URL", cls.tile_url),
            "secret_key": _env("SECRET_KEY", cls.secret_key),
            "smtp_host": _env("SMTP_HOST", cls.smtp_host),
            "smtp_port": _env_number("SMTP_PORT", cls.smtp_port, 0),
            "smtp_from": _env("SMTP_FROM", cls.smtp_from),
            # -- HTTP edge
            "max_body_bytes": _env_number("MAX_BODY_BYTES", cls.max_body_bytes, 1),
            "max_upload_bytes": _env_number("MAX_UPLOAD_BYTES", cls.max_upload_bytes, 0),
            "public_base_url": _env("PUBLIC_BASE_URL", cls.public_base_url).rstrip("/"),
            "trust_proxy": _env_flag("TRUST_PROXY"),
            "keep_alive_seconds": _env_number("KEEP_ALIVE_SECONDS", cls.keep_alive_seconds, 1),
            # -- throttling and logins
            "redis_url": _env("REDIS_URL", cls.redis_url).strip(),
            **{name: _env_number(name.upper(), getattr(cls, name), 0) for name in (
                "reports_per_minute", "reports_per_day", "reports_per_phone_hour", "reports_per_phone_day", "me_too_per_minute", "me_too_per_day",
                "login_failures_per_user", "login_failures_per_ip", "login_lockout_seconds")},
            "access_log_days": _access_log_days(),
            "idempotency_ttl_hours": _env_number("IDEMPOTENCY_TTL_HOURS", cls.idempotency_ttl_hours, 0.0),
            "replica_url": _env("REPLICA_URL", cls.replica_url).strip(),
            "otel": _env_flag("OTEL"),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
