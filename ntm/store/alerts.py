"""Alerts: a JSON file under the data dir, and an optional webhook.

``error`` when a run fails; ``warning`` when it succeeded but an operator should know (targets
the period is not judged against). The level is in the file's name and in its content.

The webhook address comes only from the environment (NTM_ALERT_WEBHOOK), never from code or
committed files; without it, the alert file and the log are the whole alert.
"""

from __future__ import annotations

import json
import os
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from ntm.store.paths import DataDir, atomic_path

LEVELS = ("error", "warning")


def write_alert(data_dir: DataDir, run_name: str, message: str, level: str = "error") -> Path:
    if level not in LEVELS:
        raise ValueError(f"alert level must be one of {LEVELS}")
    now = datetime.now(UTC)
    payload = {
        "at": now.isoformat(timespec="seconds"),
        "level": level,
        "run": run_name,
        "message": message,
    }
    target = data_dir.alerts / f"{now:%Y%m%dT%H%M%SZ}-{run_name}-{level}.json"
    with atomic_path(target) as temporary:
        temporary.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    webhook = os.environ.get("NTM_ALERT_WEBHOOK")
    if webhook:
        request = urllib.request.Request(
            webhook,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10):
                pass
        except OSError as error:  # the alert file stays; a dead webhook must not mask the cause
            payload["webhook_error"] = str(error)
    return target
