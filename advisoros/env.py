"""Reading configuration from the environment, with clear failures.

Settings are the only caller. Each helper names the variable it reads so that an error
tells the operator exactly what to set.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no, got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from exc


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def require_env(names: list[str], mode: str) -> None:
    """Fail start-up when any of `names` is unset, naming every missing one."""
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        raise ImproperlyConfigured(
            f"ADVISOROS_ENV={mode} refuses to start without "
            + ", ".join(missing)
            + ": set "
            + ("it" if len(missing) == 1 else "them")
            + " in the environment (see docs/configuration.md)."
        )


def redis_url_for_db(base_url: str, db: int) -> str:
    """The same Redis server as `base_url`, database number `db` (redis-py URL form)."""
    if base_url.startswith("unix://"):
        path = base_url.split("?", 1)[0]
        return f"{path}?db={db}"
    scheme, rest = base_url.split("://", 1)
    host = rest.split("/", 1)[0]
    return f"{scheme}://{host}/{db}"


def celery_broker_url_for(base_url: str, db: int) -> str:
    """Celery (broker and result backend) spells a Unix-socket Redis differently from
    redis-py."""
    if base_url.startswith("unix://"):
        path = base_url.split("?", 1)[0][len("unix://"):]
        return f"redis+socket://{path}?virtual_host={db}"
    return redis_url_for_db(base_url, db)


def sentinel_hosts(items: list[str]) -> list[tuple[str, int]]:
    """REDIS_SENTINELS' "host:port" items as (host, port) pairs."""
    hosts = []
    for item in items:
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit():
            raise ImproperlyConfigured(
                f"REDIS_SENTINELS items must be host:port, got {item!r}")
        hosts.append((host, int(port)))
    return hosts


def celery_sentinel_url(sentinels: list[tuple[str, int]], db: int) -> str:
    """Celery's Sentinel transport takes every sentinel, `;`-separated."""
    return ";".join(f"sentinel://{host}:{port}/{db}" for host, port in sentinels)


def dev_secret(data_dir, name: str, make) -> str:
    """A development/test secret generated once into the data folder (outside the
    database), so encrypted data survives restarts without any configuration."""
    import json
    from pathlib import Path

    path = Path(data_dir) / "dev-secrets.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    secrets_ = json.loads(path.read_text()) if path.exists() else {}
    if name not in secrets_:
        secrets_[name] = make()
        staging = path.with_suffix(f".{os.getpid()}.tmp")
        staging.write_text(json.dumps(secrets_, indent=2))
        staging.chmod(0o600)
        staging.replace(path)  # atomic: parallel processes never read half a file
    return secrets_[name]
