"""Prefect's API for a command that runs a flow: its settings, and its temporary server started
early.

Without a configured server (``PREFECT_API_URL`` unset), Prefect starts a temporary one in a
subprocess the first time a flow asks for it, and waits 10-20 s for it on a small machine.
``ntm demo`` has something else to do first (generating the inbox), so it starts that server in
a thread before generating: the server's process boots on the other core meanwhile, and the flow
later finds it running (Prefect keeps one temporary server per process). The import of Prefect
itself happens in that thread too.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable


def prefect_defaults() -> None:
    """Our defaults for Prefect in a command's process; an operator's own settings win.

    The temporary server needs more than Prefect's default 20 s to start on a small machine, and
    analytics stay off."""
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _start_temporary_server() -> None:
    from prefect.settings import (  # noqa: PLC0415 (seconds to import: only in this thread)
        PREFECT_API_URL,
        PREFECT_SERVER_EPHEMERAL_ENABLED,
    )

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return  # a real server, or none allowed: the flow's client decides, as always
    from prefect.server.api.server import SubprocessASGIServer  # noqa: PLC0415

    SubprocessASGIServer().start()


def start_server_early() -> Callable[[], None]:
    """Start the temporary server (when one will be needed) in the background; the returned
    function waits until it is up. Call it before the flow: the flow's client would otherwise
    see the server half-started. A failure here is left to the flow's own start, which tries
    again and reports it as usual."""
    prefect_defaults()

    def start() -> None:
        with contextlib.suppress(Exception):  # the flow starts it itself, and reports
            _start_temporary_server()

    thread = threading.Thread(target=start, name="prefect-server", daemon=True)
    thread.start()
    return thread.join
