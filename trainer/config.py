"""The training configuration (config.json): loading, validation, acceptance.

config.json is validated against ``config_schema.json``. Missing keys take
the template's defaults; unknown keys are invalid. Critical keys (listed by
the workspace policy) may change only through ``trainctl config accept``,
which records the accepted configuration in ``.safeshell/accepted_config.json``.
Until the first acceptance the shipped template is the accepted baseline.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from safeshell.errors import SafeshellError
from safeshell.workspace import Workspace
from trainer.errors import ConfigError

logger = logging.getLogger(__name__)

SCHEMA_FILE = Path(__file__).with_name("config_schema.json")
ACCEPTED_FILE = "accepted_config.json"

# The policy's list wins; this one applies when the policy cannot be loaded.
DEFAULT_CRITICAL_KEYS = frozenset({
    "base_model", "learning_rate", "batch_size", "gradient_accumulation_steps", "max_length",
    "epochs", "max_steps", "warmup_steps", "weight_decay", "lr_scheduler_type", "seed",
    "precision", "launcher", "num_processes",
})


@dataclass(frozen=True)
class TrainingConfig:
    """A validated config.json with every key present."""

    base_model: str | None
    learning_rate: float
    batch_size: int
    gradient_accumulation_steps: int
    max_length: int
    epochs: float
    max_steps: int
    warmup_steps: int
    weight_decay: float
    lr_scheduler_type: str
    seed: int
    precision: str
    launcher: str
    num_processes: int
    logging_steps: int
    save_steps: int
    save_total_limit: int | None
    backup_target: str | None
    min_free_disk_gb: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class KeyChange:
    """One key whose value differs between two configurations."""

    key: str
    old: Any
    new: Any
    critical: bool


def template_defaults() -> dict[str, Any]:
    text = resources.files("safeshell.templates").joinpath("config.json").read_text(encoding="utf-8")
    return json.loads(text)


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def read_config_file(path: Path) -> dict[str, Any]:
    """Parse config.json into a dict without validating its values."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError("file not found", file=str(path),
                          hint="create it with 'safeshell init' or copy the template") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot be read: {exc}", file=str(path)) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}",
                          file=str(path), hint="fix the syntax, then run 'trainctl config validate'") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"must contain a JSON object, found {type(data).__name__}", file=str(path))
    return data


def validate(data: dict[str, Any], *, source: str) -> TrainingConfig:
    """Validate ``data`` against the schema and fill in the template's defaults.

    Raises :class:`ConfigError` naming the first invalid key (unknown keys first).
    """
    import jsonschema  # kept out of the module import: the guard's hot path imports nothing of this

    schema = load_schema()
    known = set(schema["properties"])
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown key (known keys: {', '.join(sorted(known))})", file=source,
                          key=unknown[0], hint=f"remove {unknown[0]!r} or fix its spelling")

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda error: list(error.path))
    if errors:
        error = errors[0]
        key = str(error.path[0]) if error.path else None
        value = data.get(key) if key is not None else data
        message = f"invalid value {value!r}: {error.message}"
        if len(errors) > 1:
            # Listing every invalid key lets the user fix the file in one edit.
            message += f"\n{len(errors) - 1} more problem(s):"
            for other in errors[1:]:
                other_key = str(other.path[0]) if other.path else None
                other_value = data.get(other_key) if other_key is not None else data
                message += f"\n  key {other_key!r}: invalid value {other_value!r}: {other.message}"
        raise ConfigError(message, file=source, key=key,
                          hint="fix the values, then run 'trainctl config validate'")

    merged = {**template_defaults(), **data}
    values = {name: merged.get(name) for name in TrainingConfig.__dataclass_fields__}
    return TrainingConfig(**values)


def load_config(workspace: Workspace) -> TrainingConfig:
    """Read and validate the workspace's config.json."""
    path = workspace.config_file
    return validate(read_config_file(path), source=str(path))


def critical_keys(workspace: Workspace) -> frozenset[str]:
    """Return the config keys that need acceptance, as the workspace policy lists them."""
    try:
        from safeshell.guard import load_policy
    except ImportError:
        return DEFAULT_CRITICAL_KEYS
    try:
        keys = load_policy(workspace).critical_keys
    except SafeshellError as exc:
        logger.warning("policy not loaded (%s); using the default critical keys", exc.message)
        return DEFAULT_CRITICAL_KEYS
    return frozenset(keys) if keys else DEFAULT_CRITICAL_KEYS


def accepted_config(workspace: Workspace) -> dict[str, Any]:
    """Return the last accepted configuration, or the template when none was accepted."""
    path = workspace.state_dir / ACCEPTED_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return template_defaults()
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"the acceptance record is unreadable: {exc}", file=str(path),
                          hint="run 'trainctl config accept' on a terminal to record the current config") from exc
    return {**template_defaults(), **record.get("config", {})}


def diff(old: dict[str, Any], new: dict[str, Any], critical: frozenset[str]) -> list[KeyChange]:
    """List the keys whose values differ, in key order."""
    changes = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            changes.append(KeyChange(key, old.get(key), new.get(key), key in critical))
    return changes


def unaccepted_changes(workspace: Workspace, config: TrainingConfig) -> list[KeyChange]:
    """Return the critical keys changed since the last acceptance."""
    keys = critical_keys(workspace)
    changes = diff(accepted_config(workspace), config.to_dict(), keys)
    return [change for change in changes if change.critical]


def check_accepted(workspace: Workspace, config: TrainingConfig) -> None:
    """Raise :class:`ConfigError` when a critical key changed without acceptance."""
    changes = unaccepted_changes(workspace, config)
    if changes:
        listed = ", ".join(f"{c.key}: {c.old!r} -> {c.new!r}" for c in changes)
        raise ConfigError(f"critical keys changed without acceptance ({listed})",
                          file=str(workspace.config_file), key=changes[0].key,
                          hint="review the change with 'trainctl config show', then run "
                               "'trainctl config accept' on a terminal")


def record_accepted(workspace: Workspace, config: TrainingConfig, *, accepted_by: str) -> Path:
    """Record ``config`` as accepted (atomic write) and return the record's path."""
    path = workspace.state_dir / ACCEPTED_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "format": 1,
        "accepted_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accepted_by": accepted_by,
        "config": config.to_dict(),
    }
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    logger.info("config accepted by %s: %s", accepted_by, path)
    return path
