"""Settings, read once from the environment (CITYSTEWARD_*) by the entry points."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo


def _env(name: str, default: str) -> str:
    return os.environ.get(f"CITYSTEWARD_{name}", default)


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
            "token_ttl_hours": float(_env("TOKEN_TTL_HOURS", str(cls.token_ttl_hours))),
            "max_photo_bytes": int(_env("MAX_PHOTO_BYTES", str(cls.max_photo_bytes))),
            "tile_url": _env("TILE_URL", cls.tile_url),
            "secret_key": _env("SECRET_KEY", cls.secret_key),
            "smtp_host": _env("SMTP_HOST", cls.smtp_host),
            "smtp_port": int(_env("SMTP_PORT", str(cls.smtp_port))),
            "smtp_from": _env("SMTP_FROM", cls.smtp_from),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
