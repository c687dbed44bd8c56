"""Run the service: settings, logging, runtime, waitress on 0.0.0.0:$PORT, clean shutdown."""

from __future__ import annotations

import json
import logging
import signal
import sys
from types import FrameType
from typing import Any

from verzek.errors import ConfigError, StoreError

logger = logging.getLogger("verzek")


HTTP_THREADS = 8
# The interpreter hands the GIL over every 5 ms by default: waitress's one I/O thread (which
# accepts, reads and writes every connection) then waits behind 8 busy handler threads, and
# that wait is the API's tail latency. 1 ms keeps it short for a few percent of CPU.
SWITCH_INTERVAL_S = 0.001


class _Shutdown(SystemExit):
    """Raised from the signal handler to leave waitress's loop."""


def _json_error_channel() -> type:
    """waitress's connection class with its own error answers (a request it cannot parse, a
    body over its limit, a header block too large) in the API's JSON error shape instead of
    text/plain: a client parses every error of this API the same way."""
    from waitress.channel import HTTPChannel
    from waitress.task import ErrorTask

    from verzek.api.app import error_body, status_code_name

    class JsonErrorTask(ErrorTask):  # type: ignore[misc]
        def execute(self) -> None:
            error = self.request.error
            code = status_code_name(str(error.reason))
            body = json.dumps(error_body(code, f"{error.reason}: {error.body}")).encode() + b"\n"
            self.status = f"{error.code} {error.reason}"
            self.response_headers.append(("Content-Type", "application/json"))
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    class JsonErrorChannel(HTTPChannel):  # type: ignore[misc]
        error_task_class = JsonErrorTask

    return JsonErrorChannel


def create_http_server(app: Any, host: str, port: int, max_body_bytes: int = 64 * 1024) -> Any:
    """The waitress server the service runs (and `bench/api.py` measures).

    The app answers a body over `max_body_bytes` with a JSON 413; waitress itself refuses one
    over four times that (at least 1 MiB) before buffering it, so a client announcing a huge
    body cannot hold a thread and memory while it trickles in (waitress allows 1 GiB)."""
    from waitress import create_server

    sys.setswitchinterval(SWITCH_INTERVAL_S)
    server = create_server(app, host=host, port=port, threads=HTTP_THREADS, ident="verzek",
                           clear_untrusted_proxy_headers=True,
                           max_request_body_size=max(4 * max_body_bytes, 1024 * 1024))
    channel = _json_error_channel()
    # one listening server, or several (a host name with IPv4 and IPv6 addresses) in its map
    for listener in [server, *getattr(server, "map", {}).values()]:
        if hasattr(listener, "channel_class"):
            listener.channel_class = channel
    return server


def main(argv: list[str] | None = None) -> int:
    from verzek.api.app import create_app
    from verzek.config import load_settings
    from verzek.logs import setup_logging
    from verzek.runtime import build_runtime

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc.message}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.log_file)
    try:
        runtime = build_runtime(settings)
    except StoreError as exc:
        logger.error("cannot start: %s", exc.message)
        return 3
    app = create_app(runtime, settings)
    server = create_http_server(app, settings.host, settings.port, settings.max_body_bytes)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        logger.info("received %s: shutting down", signal.Signals(signum).name)
        runtime.accepting.clear()  # stop taking new signals at once
        raise _Shutdown(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        runtime.start()
        logger.info("serving on http://%s:%s", settings.host, server.effective_port)
        server.run()
    except _Shutdown:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        server.close()
        runtime.stop()
    return 0
