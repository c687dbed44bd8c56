"""Run the service: settings, logging, runtime, waitress on 0.0.0.0:$PORT, and a shutdown
that keeps every stop step within one deadline (VERZEK_SHUTDOWN_GRACE_S)."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from verzek.errors import ConfigError, SecretError, StoreError

logger = logging.getLogger("verzek")


HTTP_THREADS = 8
# The interpreter hands the GIL over every 5 ms by default: waitress's one I/O thread (which
# accepts, reads and writes every connection) then waits behind 8 busy handler threads, and
# that wait is the API's tail latency. 1 ms keeps it short for a few percent of CPU.
SWITCH_INTERVAL_S = 0.001


class InFlight:
    """WSGI middleware counting the requests being handled, so a shutdown can wait for them
    (a signal posted to the API runs its fan-out inside its request for a bounded time; one
    still running when the request answers 202 is waited for by `Runtime.stop`)."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._count = 0
        self._idle = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self._idle:
            self._count += 1
        try:
            return self._app(environ, start_response)
        finally:
            with self._idle:
                self._count -= 1
                if not self._count:
                    self._idle.notify_all()

    def wait_idle(self, timeout_s: float) -> bool:
        """True once no request is being handled; False if timeout_s passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._count == 0, timeout_s)


class StartGate:
    """WSGI middleware for the start-up (reconciliation with every exchange, fills synced,
    cut fan-outs resumed: seconds, or minutes with an exchange slow to answer): the port
    answers at once, 503 with Retry-After, `/health` `{"status": "starting"}` and every other
    path the API's error shape, until the start is done; nothing reads or changes state
    that the start-up is still settling."""

    def __init__(self, app: Any, started: threading.Event, retry_after_s: int = 5) -> None:
        self._app = app
        self._started = started
        self._retry_after = str(retry_after_s)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self._started.is_set():
            return self._app(environ, start_response)
        if environ.get("PATH_INFO") == "/health":
            doc: dict[str, Any] = {"status": "starting"}
        else:
            doc = {"error": {"code": "starting", "message": "The service is starting: it "
                             "is settling open orders with the exchanges. Try again in a "
                             "few seconds.", "details": None}}
        body = (json.dumps(doc, separators=(",", ":")) + "\n").encode()  # as orjson writes
        start_response("503 Service Unavailable", [
            ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
            ("Retry-After", self._retry_after)])
        return [body]


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


def _socket_map(server: Any) -> dict[int, Any]:
    return getattr(server, "map", None) or server._map  # several listeners, or one


def _wake(server: Any) -> None:
    """Wake the I/O loop (a write to its trigger pipe: safe in a signal handler)."""
    for dispatcher in list(_socket_map(server).values()):
        if hasattr(dispatcher, "pull_trigger") and hasattr(dispatcher, "thunks"):
            dispatcher.pull_trigger()
            return


def _serve_until(server: Any, done: Callable[[], bool]) -> None:
    """Run waitress's I/O loop (what `server.run()` does) until `done()`; whoever makes it
    true wakes the loop with `_wake`."""
    from waitress import wasyncore

    socket_map = _socket_map(server)
    while not done():
        wasyncore.loop(timeout=1.0, map=socket_map, use_poll=server.adj.asyncore_use_poll,
                       count=1)


def _close_http(server: Any, timeout_s: float) -> None:
    """Stop the handler threads (a request still running after timeout_s is abandoned: its
    thread is a daemon) and close every connection and listener."""
    from waitress import wasyncore

    server.task_dispatcher.shutdown(cancel_pending=True, timeout=timeout_s)
    wasyncore.close_all(_socket_map(server))


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
    try:
        setup_logging(settings.log_level, settings.log_file)
    except OSError as exc:
        print(f"configuration error: VERZEK_LOG_FILE={settings.log_file}: cannot be opened "
              f"({exc.strerror})", file=sys.stderr)
        return 2
    try:
        runtime = build_runtime(settings)
    except (StoreError, SecretError) as exc:
        logger.error("cannot start: %s", exc.message)
        return 3
    except OSError as exc:  # the data directory cannot be created, read or locked
        logger.error("cannot start: the data directory %s cannot be used: %s",
                     settings.data_dir, exc)
        return 3
    app = InFlight(create_app(runtime, settings))
    started = threading.Event()
    try:
        server = create_http_server(StartGate(app, started), settings.host, settings.port,
                                    settings.max_body_bytes)
    except OSError as exc:
        logger.error("cannot start: cannot listen on %s:%s (%s)", settings.host, settings.port,
                     exc.strerror or exc)
        runtime.stop()
        return 4
    requested: list[tuple[int, float]] = []  # SIGTERM/SIGINT and when (clock.monotonic)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # A signal handler may interrupt the main thread holding any lock: it only notes
        # the signal and its time and wakes the I/O loop, which does the rest.
        requested.append((signum, runtime.clock.monotonic()))
        _wake(server)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    failed: list[BaseException] = []

    def start() -> None:
        try:
            runtime.start()
        except BaseException as exc:  # reported by the main thread
            failed.append(exc)
            _wake(server)
            return
        if not runtime.stopping.is_set():
            started.set()
            logger.info("serving on http://%s:%s", settings.host, server.effective_port)

    # The port answers during the start-up (503 "starting"): a health probe or an app sees
    # the service coming up instead of a connection that hangs until it is.
    logger.info("listening on http://%s:%s; starting", settings.host, server.effective_port)
    starter = threading.Thread(target=start, name="startup", daemon=True)
    clean = False
    code = 0
    try:
        starter.start()
        _serve_until(server, lambda: bool(requested) or bool(failed))
        if failed:
            logger.error("cannot start: %s", failed[0], exc_info=failed[0])
            code = 3
        else:
            clean = _drain(runtime, server, app, *requested[0])
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        runtime.begin_shutdown()
        _close_http(server, runtime.remaining_s())
        starter.join(runtime.remaining_s())
        if starter.is_alive():
            # the start-up (a reconciliation, a resumed fan-out) still runs at the deadline:
            # cut off as a crash would cut it; the next start takes it up again
            logger.warning("the start-up was still running at the shutdown deadline: cut "
                           "off; the next start reconciles and resumes it")
            clean = False
        else:
            clean = runtime.stop() and clean and not failed
    if code:
        return code
    if not clean:
        # Work still runs past the deadline (threads the interpreter would wait for at exit):
        # it is cut off now, as a crash would cut it; the journals were closed and flushed.
        logging.shutdown()
        os._exit(0)
    return 0


def _drain(runtime: Any, server: Any, app: InFlight, signum: int, requested_at: float,
           ) -> bool:
    """After SIGTERM: new signals are refused at once (409 "shutting down") while requests
    in flight finish, until the shutdown deadline; the API keeps answering meanwhile."""
    deadline = runtime.begin_shutdown(requested_at)
    logger.info("received %s: shutting down; new signals are refused, in-flight work gets "
                "%.1f s", signal.Signals(signum).name,
                max(0.0, deadline - runtime.clock.monotonic()))
    drained = threading.Event()
    finished: list[bool] = []

    def wait() -> None:
        finished.append(app.wait_idle(runtime.remaining_s()))
        drained.set()
        _wake(server)

    threading.Thread(target=wait, name="http-drain", daemon=True).start()
    _serve_until(server, drained.is_set)
    if not finished[0]:
        logger.warning("requests still running at the shutdown deadline are cut off")
    return finished[0]
