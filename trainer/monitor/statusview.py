"""The status file as the page shows it: checked types, bounded history, liveness.

The status file is written by another process and read while it trains, so
every field is checked here. A field of the wrong type becomes ``None``
instead of breaking the page. A long loss history is cut down to at most
:data:`MAX_CHART_POINTS` points that keep its spikes.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from trainer.status import STATES, pid_alive

# A training daemon that has not written its status for this long is shown
# as possibly stalled (seconds).
STALE_AFTER_S = 300.0
MAX_CHART_POINTS = 2000

NUMBER_TYPES = (int, float)
JOB_NUMBERS = ("step", "max_steps", "epoch", "loss", "learning_rate", "tokens_per_second", "eta_seconds")
JOB_TEXTS = ("file", "started_at")


def normalize(status: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """Return the page's view of a status dict from :func:`trainer.status.read_status`.

    ``read_status`` reports an unreadable or invalid file as state
    ``unknown`` with the reason in ``last_error``. The view moves that reason
    to ``problem``, which the page shows as an error banner.
    """
    now = now or datetime.now(timezone.utc)
    state = status.get("state")
    problem = None
    if state not in STATES:
        if state == "unknown":
            problem = _message(status.get("last_error")) or "the status file does not hold a JSON object"
            status = {}  # the other fields are read_status's defaults, not data from the file
        else:
            problem = f"the status file names an unknown state {state!r}"
        state = "unknown"

    updated_at = _text(status.get("updated_at"))
    age = _age_seconds(updated_at, now)
    pid = _integer(status.get("daemon_pid"))
    alive = pid_alive(pid) if pid is not None else None
    recorded_state = _text(status.get("recorded_state"))

    loss = _history(status.get("loss_history"))
    eval_loss = _history(status.get("eval_loss_history"))

    return {
        "state": state,
        "problem": problem,
        "updated_at": updated_at,
        "age_seconds": age,
        "stale": state == "training" and age is not None and age > STALE_AFTER_S,
        "daemon_pid": pid,
        "daemon_alive": alive,
        "recorded_state": recorded_state if recorded_state != state else None,
        "job": _job(status.get("job")),
        "loss_history": downsample(loss, MAX_CHART_POINTS),
        "loss_points": len(loss),
        "eval_loss_history": downsample(eval_loss, MAX_CHART_POINTS),
        "eval_loss_points": len(eval_loss),
        "queue_length": _integer(status.get("queue_length")),
        "current_version": _text(status.get("current_version")),
        "last_error": None if problem else _message(status.get("last_error")),
        "control": _control(status.get("control")),
    }


def downsample(points: list[tuple[float, float]], budget: int) -> list[list[float]]:
    """Return at most ``budget`` points of ``points`` keeping each bucket's min and max.

    Keeping both extremes of every bucket keeps loss spikes visible; the
    first and last points are always kept.
    """
    if len(points) <= budget:
        return [[step, value] for step, value in points]
    buckets = max(1, (budget - 2) // 2)
    inner = points[1:-1]
    size = len(inner) / buckets
    kept: list[tuple[float, float]] = [points[0]]
    for bucket in range(buckets):
        chunk = inner[int(bucket * size) : int((bucket + 1) * size)]
        if not chunk:
            continue
        low = min(range(len(chunk)), key=lambda index: chunk[index][1])
        high = max(range(len(chunk)), key=lambda index: chunk[index][1])
        for index in sorted({low, high}):
            kept.append(chunk[index])
    kept.append(points[-1])
    return [[step, value] for step, value in kept]


def _history(value: Any) -> list[tuple[float, float]]:
    """Return the valid ``[step, value]`` pairs of ``value``, sorted by step."""
    if not isinstance(value, list):
        return []
    pairs = []
    # Exact type checks (no bool, which is an int subclass) inline, because a
    # long history makes this the hottest loop of a status request.
    for item in value:
        if type(item) is list and len(item) >= 2:
            step, number = item[0], item[1]
            if type(step) in NUMBER_TYPES and type(number) in NUMBER_TYPES and math.isfinite(step) and math.isfinite(number):
                pairs.append((step, number))
    pairs.sort(key=lambda pair: pair[0])
    return pairs


def _job(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    job: dict[str, Any] = {"id": _integer(value.get("id"))}
    for name in JOB_NUMBERS:
        job[name] = _number(value.get(name))
    for name in JOB_TEXTS:
        job[name] = _text(value.get(name))
    return job


def _control(value: Any) -> dict[str, str | None] | None:
    if not isinstance(value, dict):
        return None
    return {name: _text(value.get(name)) for name in ("requested", "acknowledged", "at", "request_id")}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value):
        return None
    return value


def _integer(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _message(value: Any) -> str | None:
    """Return ``last_error`` as text: a string, or a dict's ``message`` field."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("message"), str):
        return value["message"]
    return repr(value)


def _age_seconds(timestamp: str | None, now: datetime) -> float | None:
    if timestamp is None:
        return None
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return round((now - moment).total_seconds(), 1)
