"""Service configuration: defaults < a YAML or TOML file (`--config`) < DAOBAN_* environment < command-line flags."""

from __future__ import annotations

import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.paths import data_dir as default_data_dir

Lang = Literal["zh-Hans", "zh-Hant", "en"]


class RateLimit(BaseModel):
    """Token bucket per client address: `rate` requests per second on average, bursts up to `burst`."""

    enabled: bool = True
    rate: float = Field(default=5.0, gt=0)
    burst: int = Field(default=20, ge=1)
    trust_forwarded: bool = False
    """Take the client address from X-Forwarded-For (only behind a load balancer you control)."""


class Limits(BaseModel):
    max_body_bytes: int = Field(default=16_384, ge=256)
    """Largest request body and WebSocket text message (bigger WebSocket frames are refused while being read)."""
    max_text_chars: int = Field(default=500, ge=1)
    max_ws_connections: int = Field(default=2_000, ge=1)
    """Open sockets on /v1/ws and /v1/voice together."""
    max_in_flight: int = Field(default=100, ge=1)
    """Turns (POST /v1/chat, the Rasa webhook, /v1/ws chat messages) handled at once; past it a turn gets 503 with
    Retry-After at once. A new question costs up to 5 ms of CPU, so 100 queued turns wait at most about 0.5 s."""
    request_timeout_s: float = Field(default=10.0, gt=0)
    """Seconds from a request's first byte (or a new connection) to its last: slower ones get 408 and are closed."""
    keep_alive_s: float = Field(default=5.0, gt=0)
    """Seconds an idle keep-alive connection stays open between requests."""


class IdleMode(BaseModel):
    """Announcements pushed over the WebSocket to a quiet kiosk or robot channel."""

    enabled: bool = True
    after_s: float = Field(default=60.0, gt=0)
    """Seconds without a message before the first announcement."""
    interval_s: float = Field(default=45.0, gt=0)
    """Seconds between announcements while the channel stays idle."""
    file: Path | None = None
    """YAML list of announcements (default: the packaged anti-fraud / traffic safety / drug prevention list)."""
    channels: list[str] = Field(default_factory=lambda: ["kiosk", "robot"])


class Dialogue(BaseModel):
    """Settings passed to the dialogue engine; unset ones keep the engine's defaults."""

    idle_ttl_s: dict[str, int] | None = None
    """Seconds of inactivity before a session is wiped, per channel (engine default: kiosk and robot 120)."""
    default_ttl_s: int | None = Field(default=None, ge=10)
    wipe_on_complete: list[str] | None = None
    simulate: list[str] | None = None
    """Channels whose kiosk actions the built-in simulator answers (engine default: web and terminal)."""
    default_lang: Lang | None = None
    help_after: int | None = Field(default=None, ge=1)
    handoff_after: int | None = Field(default=None, ge=1)
    transcript_path: Path | None = None


class Voice(BaseModel):
    """WS /v1/voice: streaming speech recognition in front of the dialogue (the recogniser loads on first use)."""

    enabled: bool = True
    asr: Literal["whisper", "vosk"] = "whisper"
    model: str | None = None
    """Model name or directory (default: the recogniser's packaged model)."""
    vad: Literal["auto", "webrtc", "energy"] = "auto"
    no_input_s: float | None = Field(default=8.0, gt=0)
    max_frame_bytes: int = Field(default=64_000, ge=640)


class RasaChannel(BaseModel):
    """POST /webhooks/rest/webhook, Rasa's REST channel: only a connector holding the shared channel token may speak
    for a sender."""

    token: SecretStr | None = None
    """Sent as the `token` query parameter (Rasa's convention) or as `Authorization: Bearer <token>`."""
    require_token: bool = True
    """With no token configured the webhook answers 403; false opens it to anyone who reaches the port."""


class ServiceConfig(BaseSettings):
    """Everything `daoban serve` needs; each field is also DAOBAN_<FIELD> (nested: DAOBAN_LIMITS__MAX_TEXT_CHARS)."""

    model_config = SettingsConfigDict(env_prefix="DAOBAN_", env_nested_delimiter="__", extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    store: Literal["memory", "sqlite", "redis"] = "memory"
    db_path: Path | None = None
    """SQLite session database (default: <data_dir>/sessions.sqlite3)."""
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_timeout_s: float = Field(default=0.3, gt=0, le=10)
    """Connect and read timeout towards Redis: a hung server fails a turn (503) this fast."""
    store_retry_max_s: float = Field(default=5.0, gt=0, le=300)
    """While the session store does not answer, it is probed again after 0.25 s, doubling up to this."""
    data_dir: Path = Field(default_factory=default_data_dir)
    """Sessions (SQLite), the unanswered log, feedback, the turn log and the session key ($DAOBAN_DATA_DIR, ./var)."""
    session_key: SecretStr | None = None
    """Seals ID numbers and phones in session state; every instance sharing a store needs the same key."""
    admin_token: SecretStr | None = None
    rasa: RasaChannel = Field(default_factory=lambda: RasaChannel())
    cors_origins: list[str] = Field(default_factory=list)
    rate_limit: RateLimit = Field(default_factory=lambda: RateLimit())
    limits: Limits = Field(default_factory=lambda: Limits())
    idle: IdleMode = Field(default_factory=lambda: IdleMode())
    dialogue: Dialogue = Field(default_factory=lambda: Dialogue())
    voice: Voice = Field(default_factory=lambda: Voice())
    kb_dir: Path | None = None
    """Knowledge base directory (default: the packaged base)."""
    flows_dir: Path | None = None
    """Flow definitions directory (default: the packaged flows)."""
    encoder: str | None = None
    warmup: bool = True
    log_level: str = "INFO"
    log_json: bool = True

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _FileSource(settings_cls), file_secret_settings

    @property
    def sqlite_path(self) -> Path:
        return self.db_path or self.data_dir / "sessions.sqlite3"

    @property
    def admin_token_value(self) -> str | None:
        token = self.admin_token.get_secret_value() if self.admin_token else ""
        return token or None

    @property
    def rasa_token_value(self) -> str | None:
        token = self.rasa.token.get_secret_value() if self.rasa.token else ""
        return token or None


class ConfigError(Exception):
    pass


_config_file: ContextVar[Path | None] = ContextVar("daoban_config_file", default=None)


class _FileSource(PydanticBaseSettingsSource):
    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = _config_file.get()
        return read_config_file(path) if path else {}


def read_config_file(path: Path) -> dict[str, Any]:
    """Parse a YAML (.yaml/.yml) or TOML (.toml) file into a mapping; a `serve:` or `[serve]` section is accepted."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    toml = path.suffix.lower() == ".toml"
    try:
        data: Any = tomllib.loads(raw.decode("utf-8")) if toml else (yaml.safe_load(raw) or {})
    except (tomllib.TOMLDecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid {'TOML' if toml else 'YAML'}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of settings")
    section = data.get("serve")
    return dict(section) if isinstance(section, dict) else data


def load_config(path: Path | None = None, **overrides: Any) -> ServiceConfig:
    """Defaults < file < DAOBAN_* environment < keyword overrides (the command-line flags); None means unset."""
    token = _config_file.set(path)
    try:
        return ServiceConfig(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        where = f" (file {path})" if path else ""
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid configuration{where}: {problems}") from exc
    finally:
        _config_file.reset(token)
