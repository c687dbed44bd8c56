"""Wiring: the only place that builds real objects and connects them into one running service."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from verzek import __version__
from verzek.clock import Clock, SystemClock
from verzek.config import Settings
from verzek.domain import plans
from verzek.domain.models import SCHEMA_VERSION, ExchangeName
from verzek.engine.accounts import AccountService, LoginLimiter, TokenService
from verzek.engine.breakout_gate import BreakoutGate
from verzek.engine.bus import SignalBus
from verzek.engine.executor import OrderExecutor
from verzek.engine.intents import IntentJournal
from verzek.engine.locks import UserLocks
from verzek.engine.monitor import PriceMonitor
from verzek.engine.notifier import FanoutNotifier, LogNotifier
from verzek.engine.orchestrator import Orchestrator
from verzek.engine.paper_markets import MarketsLoader, PaperMarketsLoader
from verzek.engine.pool import ExchangePool
from verzek.engine.position_manager import PositionManager, user_strategy
from verzek.engine.reconcile import Reconciler
from verzek.engine.safety_service import SafetyService
from verzek.engine.signal_log import SignalLog
from verzek.engine.stats import StatsBook
from verzek.engine.trading import TradingService
from verzek.exchanges.factory import ExchangeFactory, fetch_public_markets
from verzek.exchanges.faults import FaultyExchange
from verzek.exchanges.paper import PaperExchange
from verzek.exchanges.pricefeed import PriceFeed, ccxt_ticker_source, open_price_feed
from verzek.exchanges.resilient import DEFAULT_VISIBILITY_WINDOW_S
from verzek.logs import register_secret
from verzek.store.docstore import DocumentStore
from verzek.store.fileops import FileOps
from verzek.store.lock import DataDirLock
from verzek.store.repos import PositionRepository, UserRepository
from verzek.store.secrets import SecretBox, open_secret_box
from verzek.supervisor import LoopService, Supervisor
from verzek.telegram.wiring import build_telegram

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
    # set when shutdown begins: background loops and price feeds stop waiting
    stopping: threading.Event = field(default_factory=threading.Event)
    # set when the shutdown grace is over: in-flight order work stops waiting (back-offs,
    # look-ups); until then it runs as usual, so a signal's fan-out can finish
    grace_over: threading.Event = field(default_factory=threading.Event)
    shutdown_deadline: float | None = None  # clock.monotonic() by which every stop step ends
    components: dict[str, Any] = field(default_factory=dict)
    trading: TradingService | None = None
    accounts: AccountService | None = None
    bus: SignalBus | None = None
    notifier: FanoutNotifier | None = None

    def start(self) -> None:
        if self.trading is not None:
            counts = self.trading.reconciler.run_once()
            logger.info("start-up reconciliation: %s", counts)
            # fills the exchange made while we were down are counted before anything else
            self.trading.sync_orders()
            resumed = self.trading.resume_unfinished()
            if resumed:
                logger.warning("resumed %d signal fan-out(s) a crash had cut short", resumed)
        if self.stopping.is_set():
            return  # a shutdown asked during the start-up: nothing more starts
        # Everything loaded at start lives for the whole run: keep it out of the collector's
        # scans, which otherwise pause the price monitor for tens of milliseconds.
        gc.collect()
        gc.freeze()
        self.supervisor.start()
        self.accepting.set()
        self.startup_s = time.monotonic() - self.started_at
        logger.info("VerzekAutoTrader %s up in %.2f s", __version__, self.startup_s)

    def begin_shutdown(self, requested_at: float | None = None) -> float:
        """Refuse new signals from now on and fix the one deadline every stop step shares:
        `requested_at` (the SIGTERM's clock.monotonic(), default now) + the shutdown grace.
        Returns the deadline; calling it again keeps the first one."""
        self.accepting.clear()
        self.stopping.set()
        if self.shutdown_deadline is None:
            start = self.clock.monotonic() if requested_at is None else requested_at
            self.shutdown_deadline = start + self.settings.shutdown_grace_s
        return self.shutdown_deadline

    def remaining_s(self) -> float:
        """Seconds left of the shutdown grace (the whole grace before shutdown began)."""
        if self.shutdown_deadline is None:
            return self.settings.shutdown_grace_s
        return max(0.0, self.shutdown_deadline - self.clock.monotonic())

    def stop(self) -> bool:
        """Stop taking new work, let in-flight work finish until the one shutdown deadline,
        flush, release the lock. True when everything finished in time; False when work was
        still running at the deadline: it is cut off as a crash would cut it (its orders are
        reconciled and its fan-out resumed at the next start) and the process should exit
        at once (`os._exit`) rather than wait for it."""
        self.begin_shutdown()
        # The services first (the bus drains its message into the orchestrator), then the
        # fan-out pool they feed.
        clean = self.supervisor.stop(self.remaining_s())
        if self.trading is not None:
            # Service threads are daemons; the fan-out pool's workers are what the interpreter
            # would wait for at exit.
            orchestrator = self.trading.orchestrator
            # A submission answered 202 left its fan-out running on a thread of its own (no
            # request waits for it): it gets the grace in-flight requests get.
            clean = self.trading.wait_fanouts(self.remaining_s()) and clean
            clean = _finishes_within(self.remaining_s(),
                                     lambda: orchestrator.shutdown(wait=True)) and clean
            # Paper fills this run matched but could not apply yet: applied now, so a clean
            # stop leaves no fill of ours outside its position.
            try:
                clean = self.trading.monitor.flush_deferred(self.remaining_s) == 0 and clean
            except Exception:
                clean = False
                logger.exception("deferred fills not applied at stop")
        if not clean:
            logger.warning("the shutdown grace (%.1f s) is over with work unfinished (a "
                           "signal fan-out, a loop's pass, fills to apply): cut off now; its "
                           "unfinished orders are reconciled, a fan-out resumed and fills "
                           "applied at the next start", self.settings.shutdown_grace_s)
        self.grace_over.set()
        # Closing the store and journals means nothing still running can change the data
        # or send an order (its intent can no longer be journaled), nor leave a temp file.
        if not self.store.close():
            logger.warning("a document write still in progress at shutdown is cut off; its "
                           "temp file is removed at the next start")
        if self.trading is not None:
            self.trading.intents.close()
            self.trading.signals.close()
        self.positions.close_journals()
        self.lock.release()
        logger.info("stopped %s", "cleanly" if clean else "at the grace deadline")
        return clean

    def status(self) -> dict[str, Any]:
        return {
            "version": __version__,
            "price_feed": self.components.get("price_feed"),
            "paper_markets": self.trading.pool.paper_markets_status()
            if self.trading is not None else None,
            "accepting_signals": self.accepting.is_set(),
            "services": self.supervisor.status(),
            "store": {"data_dir": str(self.settings.data_dir),
                      "last_error": self.store.last_error,
                      "healthy": self.store.last_error is None},
            "startup_s": round(self.startup_s, 3),
            "demo_master_key": self.secret_box.generated,
        }


def _finishes_within(timeout_s: float, fn: Callable[[], Any]) -> bool:
    """Run `fn` (a blocking wait) on a helper thread; True if it returned within timeout_s."""
    helper = threading.Thread(target=fn, name="shutdown-wait", daemon=True)
    helper.start()
    helper.join(timeout_s)
    return not helper.is_alive()


def build_runtime(settings: Settings, *, clock: Clock | None = None,
                  sleeper: Callable[[float], None] | None = None,
                  price_feed: PriceFeed | None = None,
                  fileops: FileOps | None = None,
                  markets_loader: MarketsLoader | None = None) -> Runtime:
    """Take the data-directory lock, open and check the store, and build every part."""
    started = time.monotonic()
    for secret in settings.secret_values():
        register_secret(secret)
    clock = clock or SystemClock()
    lock = DataDirLock(settings.data_dir)
    lock.acquire()
    try:
        store = DocumentStore(settings.data_dir, schema_version=SCHEMA_VERSION,
                              fileops=fileops)
        store.clean_temp_files()
        loaded = store.load_all()
        logger.info("store: %d documents in %s", loaded, settings.data_dir)
        users = UserRepository(store)
        positions = PositionRepository(store)
        # Every journal is checked now, not when first used: a bad one stops the start here.
        # The intent and signal journals are read whole when build_engine opens them.
        history = positions.check_history()
        logger.info("store: %d history journal(s) checked, %d read in full (the others are "
                    "unchanged since last known good)", history.journals, history.read)
        if history.repaired:
            logger.warning("store: cut a torn last record in %d history journal(s): %s",
                           len(history.repaired), ", ".join(history.repaired[:20]))
        repaired = positions.recover()
        if repaired:
            logger.warning("store: finished %d position close(s) a crash interrupted", repaired)
        secret_box = open_secret_box(
            [k.get_secret_value() for k in settings.master_keys], settings.data_dir,
            fileops=store.fileops,
        )
        supervisor = Supervisor(clock=clock)
        runtime = Runtime(
            settings=settings, clock=clock, lock=lock, store=store, users=users,
            positions=positions, secret_box=secret_box, supervisor=supervisor,
            started_at=started,
        )
        _report_off_parts(runtime)
        build_engine(runtime, sleeper=sleeper, price_feed=price_feed,
                     visibility_window_s=settings.visibility_window_s,
                     markets_loader=markets_loader)
        return runtime
    except BaseException:
        lock.release()
        raise


def build_engine(runtime: Runtime, *, price_feed: PriceFeed | None = None,
                 sleeper: Callable[[float], None] | None = None,
                 visibility_window_s: float = DEFAULT_VISIBILITY_WINDOW_S,
                 markets_loader: MarketsLoader | None = None) -> TradingService:
    """The trading engine over the runtime's store: bus, safety, pool, orchestrator, monitor.

    With a live price feed, paper accounts trade on each exchange's public market list
    (`markets_loader`; by default the exchange's endpoint when the feed was opened here),
    loaded in the background; with the sim feed, on the bundled snapshot only."""
    s = runtime.settings
    clock = runtime.clock
    store = runtime.store
    if price_feed is None:
        sources = [] if s.price_feed == "sim" else [
            ccxt_ticker_source(name, clock=clock, sleeper=runtime.stopping.wait)
            for name in ("binance", "bybit")]
        choice = open_price_feed(s.price_feed, clock=clock, live_sources=sources)
        price_feed = choice.feed
        runtime.components["price_feed"] = {"kind": choice.feed.kind,
                                            "fallback_reason": choice.fallback_reason}
        markets_loader = markets_loader or fetch_public_markets
    else:
        runtime.components["price_feed"] = {"kind": price_feed.kind, "fallback_reason": None}
    saved = store.read("demo_prices.json") if price_feed.kind == "sim" else None
    pinned = set((saved or {}).get("pinned", []))
    for symbol, price in (saved or {}).get("prices", {}).items():
        keep = price_feed.pin if symbol in pinned else price_feed.set_price  # type: ignore[attr-defined]
        keep(symbol, Decimal(price))
    notifier = FanoutNotifier(LogNotifier())
    bus = SignalBus()
    safety = SafetyService(store=store, clock=clock)
    intents = IntentJournal(s.data_dir / "journal" / "orders.jsonl", fileops=store.fileops,
                            on_fault=store.note_fault)
    signals = SignalLog(s.data_dir / "signals" / "log.jsonl", fileops=store.fileops,
                        on_fault=store.note_fault)
    stats = StatsBook(runtime.positions)
    factory = ExchangeFactory(
        secret_box=runtime.secret_box, clock=clock, paper_store=store, price_feed=price_feed,
        paper_balance_usdt=s.paper_balance_usdt, paper_slippage_pct=s.paper_slippage_pct,
        sleeper=sleeper or runtime.grace_over.wait, operator_user_id=s.operator_user_id,
        operator_credentials={ExchangeName(k): v for k, v in s.operator_credentials().items()})
    pool = ExchangePool(store=store, clock=clock, price_feed=price_feed,
                        live_builder=factory.get, live_forget=factory.forget,
                        paper_balance_usdt=s.paper_balance_usdt,
                        paper_slippage_pct=s.paper_slippage_pct)
    executor = OrderExecutor(intents=intents, safety=safety, clock=clock,
                             sleeper=sleeper or runtime.grace_over.wait,
                             visibility_window_s=visibility_window_s)
    locks = UserLocks()
    manager = PositionManager(positions=runtime.positions, executor=executor,
                              notifier=notifier, clock=clock, locks=locks,
                              strategy_of=user_strategy(runtime.users.get))
    orchestrator = Orchestrator(users=runtime.users, positions=runtime.positions, pool=pool,
                                manager=manager, safety=safety, notifier=notifier, clock=clock,
                                stats=stats, workers=s.workers)
    monitor = PriceMonitor(users=runtime.users, positions=runtime.positions, pool=pool,
                           manager=manager, clock=clock, stopping=runtime.stopping)
    monitor.entry_check = BreakoutGate(users=runtime.users, positions=runtime.positions,
                                       safety=safety, stats=stats, notifier=notifier,
                                       clock=clock).check
    reconciler = Reconciler(intents=intents, users=runtime.users, positions=runtime.positions,
                            pool=pool, manager=manager, clock=clock,
                            visibility_window_s=visibility_window_s)
    trading = TradingService(
        users=runtime.users, positions=runtime.positions, signals=signals, intents=intents,
        safety=safety, pool=pool, manager=manager, orchestrator=orchestrator, monitor=monitor,
        reconciler=reconciler, stats=stats, notifier=notifier, clock=clock,
        accepting=runtime.accepting, status_provider=runtime.status, bus=bus)
    bus.subscribe("orchestrator", trading.on_bus_message)
    # One account service for the REST API and the bot: /autotrade goes through the same
    # settings path (and plan checks) as PUT /api/users/<id>/settings/general.
    accounts = AccountService(
        users=runtime.users,
        tokens=TokenService(store=store, clock=clock, ttl_s=s.token_ttl_s),
        limiter=LoginLimiter(clock=clock), secret_box=runtime.secret_box, clock=clock,
        operator_user_id=s.operator_user_id,
        operator_exchanges=frozenset(ExchangeName(k) for k in s.operator_credentials()),
        positions=runtime.positions)
    runtime.accounts = accounts
    tg = build_telegram(s, bus=bus, store=store, users=runtime.users,
                        positions=runtime.positions, trading=trading,
                        set_auto_trade=lambda user_id, on: set_auto_trade(accounts, user_id, on),
                        clock=clock, group_of=plans.telegram_group)
    runtime.components["telegram"] = tg
    if tg.notifier is not None:
        notifier.add(tg.notifier)
    sup = runtime.supervisor
    # The bot first and the forwarder last: stopping in reverse drains the bus into a bot
    # that is still running.
    if tg.bot is not None:
        sup.add(tg.bot)
    sup.add(bus)
    if tg.forwarder is not None:
        sup.add(tg.forwarder)
    if tg.access is not None:
        sup.add(LoopService("group_access_sweep", tg.access.sweep, interval_s=1800.0,
                            clock=clock))
    sup.add(LoopService("price_monitor", monitor.run_once, interval_s=s.price_poll_s,
                        clock=clock))
    if price_feed.kind == "live" and markets_loader is not None:
        # sim prices exist only for the snapshot's coins: the sim feed keeps the snapshot
        paper_markets = PaperMarketsLoader(sink=pool, loader=markets_loader, clock=clock,
                                           stopping=runtime.stopping)
        runtime.components["paper_markets"] = paper_markets
        sup.add(paper_markets)
    sup.add(LoopService("order_sync", trading.sync_orders, interval_s=10.0, clock=clock))
    sup.add(LoopService("reconciler", reconciler.run_once, interval_s=120.0, clock=clock))
    sup.add(LoopService("housekeeping", safety.expire, interval_s=3600.0, clock=clock))
    sup.add(LoopService("disk_probe", lambda: store.probe(clock.now().isoformat()),
                        interval_s=5.0, clock=clock))
    if s.paper_fault_rate > 0:
        rate, window = s.paper_fault_rate, visibility_window_s
        logger.error("FAULT CAMPAIGN: %.0f%% of paper orders get an injected exchange fault "
                     "(VERZEK_PAPER_FAULT_RATE); never use this outside a test", rate * 100)
        pool.wrap = lambda inner: FaultyExchange(
            inner, rate=rate, clock=clock, seed=len(pool.owners),
            sleeper=sleeper or runtime.grace_over.wait, slow_s=window / 6,
            invisible_s=window / 3, retry_after_s=1.0) if isinstance(inner, PaperExchange) \
            else inner
    runtime.trading = trading
    runtime.bus = bus
    runtime.notifier = notifier
    return trading


def set_auto_trade(accounts: AccountService, user_id: str, on: bool) -> Any:
    """Turn a user's auto-trading on or off through the settings service the API uses."""
    general, _ = accounts.get_settings(user_id, "general")
    return accounts.put_settings(user_id, "general",
                                 general.model_copy(update={"auto_trade": on}))


def _report_off_parts(runtime: Runtime) -> None:
    s = runtime.settings
    sup = runtime.supervisor
    if not s.telegram_forwarder_configured:
        sup.disable("telegram_forwarder", "TELEGRAM_API_ID, TELEGRAM_API_HASH, TELEGRAM_SESSION "
                    "and TELEGRAM_SOURCES are not all set")
    if not s.telegram_bot_configured:
        sup.disable("telegram_bot", "TELEGRAM_BOT_TOKEN is not set")
    if not s.operator_credentials():
        sup.disable("operator_live_trading", "no operator exchange keys are set: users trade "
                    "in demo or with their own stored keys")
    elif not s.operator_user_id:
        sup.disable("operator_live_trading", "operator exchange keys are set but "
                    "VERZEK_OPERATOR_USER_ID is not: nobody trades with them")
    if not s.admin_tokens:
        logger.warning("VERZEK_ADMIN_TOKEN is not set: admin API routes answer 401")
