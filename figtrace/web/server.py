"""Running the dashboard: uvicorn with a bounded, clean stop.

uvicorn stops gracefully on SIGTERM and SIGINT, then re-raises the signal so
the process dies of it; a service manager then records a crash. Here the stop
is the expected end: in-flight requests get ``SHUTDOWN_GRACE_S`` seconds to
finish, then the process exits with status 0 and says why it stopped.

HTTP parsing and the event loop are uvicorn's "auto" choice: httptools and
uvloop (dependencies of figtrace) when they are installed, else its pure
Python parser and asyncio's loop; the C ones took a third less of the
server's CPU per request under load (bench/load_test.py).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn

#: Seconds in-flight requests get to finish after SIGTERM or Ctrl-C.
SHUTDOWN_GRACE_S = 5
#: Seconds an idle keep-alive connection stays open. uvicorn's 5 s equals the idle
#: expiry of common clients (httpx), so both closed the same connection at once and a
#: request sent in between was reset; the server now outlasts the client.
KEEP_ALIVE_S = 65


class Server(uvicorn.Server):
    """uvicorn's server, minus re-raising the stop signal once it has stopped cleanly."""

    stopped_by: int | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)
        if self._captured_signals:
            self.stopped_by = self._captured_signals[0]


def run(app: Any, host: str, port: int) -> int | None:
    """Serve ``app`` until a stop signal; returns the signal number that stopped it (None otherwise)."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", server_header=False,
                            proxy_headers=False, timeout_graceful_shutdown=SHUTDOWN_GRACE_S, lifespan="off",
                            timeout_keep_alive=KEEP_ALIVE_S)
    server = Server(config)
    server.run()
    return server.stopped_by
