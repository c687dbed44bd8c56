"""Wiring: the only place that builds real objects and connects them into one running service."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from verzek import __version__
from verzek.clock import Clock, SystemClock
from verzek.config import Settings
from verzek.domain.models import SCHEMA_VERSION
from verzek.logs import register_secret
from verzek.store.docstore import DocumentStore
from verzek.store.lock import DataDirLock
from verzek.store.repos import PositionRepository, UserRepository
from verzek.store.secrets import SecretBox, open_secret_box
from verzek.supervisor import Supervisor

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The object graph of one process; built by `build_runtime`, started and stopped once."""

    settings: Settings
    clock: Clock
    lock: DataDirLock
    store: DocumentStore
    users: UserRepository
    positions: PositionRepository
    secret_box: SecretBox
    supervisor: Supervisor
    started_at: float = 0.0
    startup_s: float = 0.0
    accepting: threading.Event = field(default_factory=threading.Event)
    components: dict[str, Any] = field(default_factory=dict)

    def start(self) -> None:
        self.supervisor.start()
        self.accepting.set()
        self.startup_s = time.monotonic() - self.started_at
        logger.info("VerzekAutoTrader %s up in %.2f s", __version__, self.startup_s)

    def stop(self) -> None:
        """Stop taking new work, let in-flight work finish (bounded), flush, release the lock."""
        self.accepting.clear()
        self.supervisor.stop(self.settings.shutdown_grace_s)
        self.positions.close_journals()
        self.lock.release()
        logger.info("stopped cleanly")

    def status(self) -> dict[str, Any]:
        return {
            "version": __version__,
            "accepting_signals": self.accepting.is_set(),
            "services": self.supervisor.status(),
            "store": {"data_dir": str(self.settings.data_dir),
                      "last_error": self.store.last_error,
                      "healthy": self.store.last_error is None},
            "startup_s": round(self.startup_s, 3),
            "demo_master_key": self.secret_box.generated,
        }


def build_runtime(settings: Settings, *, clock: Clock | None = None) -> Runtime:
    """Take the data-directory lock, open and check the store, and build every part."""
    started = time.monotonic()
    for secret in settings.secret_values():
        register_secret(secret)
    clock = clock or SystemClock()
    lock = DataDirLock(settings.data_dir)
    lock.acquire()
    try:
        store = DocumentStore(settings.data_dir, schema_version=SCHEMA_VERSION)
        store.clean_temp_files()
        loaded = store.load_all()
        logger.info("store: %d documents in %s", loaded, settings.data_dir)
        users = UserRepository(store)
        positions = PositionRepository(store)
        repaired = positions.recover()
        if repaired:
            logger.warning("store: finished %d position close(s) a crash interrupted", repaired)
        secret_box = open_secret_box(
            [k.get_secret_value() for k in settings.master_keys], settings.data_dir
        )
        supervisor = Supervisor(clock=clock)
        runtime = Runtime(
            settings=settings, clock=clock, lock=lock, store=store, users=users,
            positions=positions, secret_box=secret_box, supervisor=supervisor,
            started_at=started,
        )
        _report_off_parts(runtime)
        return runtime
    except BaseException:
        lock.release()
        raise


def _report_off_parts(runtime: Runtime) -> None:
    s = runtime.settings
    sup = runtime.supervisor
    if not s.telegram_forwarder_configured:
        sup.disable("telegram_forwarder", "TELEGRAM_API_ID, TELEGRAM_API_HASH, TELEGRAM_SESSION "
                    "and TELEGRAM_SOURCES are not all set")
    if not s.telegram_bot_configured:
        sup.disable("telegram_bot", "TELEGRAM_BOT_TOKEN is not set")
    if not any((s.binance_api_key, s.bybit_api_key, s.phemex_api_key, s.coinexx_metaapi_token)):
        sup.disable("operator_live_trading", "no operator exchange keys are set: users trade "
                    "in demo or with their own stored keys")
    if not s.admin_tokens:
        logger.warning("VERZEK_ADMIN_TOKEN is not set: admin API routes answer 401")
