"""Exchange secrets at rest: rotation, a stolen data dir, no plaintext anywhere; the factory."""

from __future__ import annotations

import io
import logging
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import responses
from cryptography.fernet import Fernet

from tests.exchanges.contract import CID, order
from tests.exchanges.fake_metaapi import ACCOUNT, BASE, DONE, TOKEN, serve_metaapi, trades
from tests.exchanges.venues import BinanceVenue
from verzek.api.exchanges import CoinexxAccountIn
from verzek.cli.keys import main as keys_main
from verzek.clock import ManualClock
from verzek.domain.models import (
    ExchangeAccount,
    ExchangeName,
    MarketType,
    OrderStatus,
    TradingMode,
    User,
)
from verzek.engine.accounts import AccountService, LoginLimiter, TokenService
from verzek.errors import AuthError, SecretError
from verzek.exchanges.ccxt_adapter import CcxtExchange
from verzek.exchanges.coinexx import CoinexxExchange
from verzek.exchanges.factory import ExchangeFactory
from verzek.exchanges.paper import PaperExchange, load_markets_snapshot
from verzek.exchanges.pricefeed import SimPriceFeed
from verzek.logs import ContextFilter, RedactingFormatter
from verzek.store.docstore import DocumentStore
from verzek.store.repos import UserRepository
from verzek.store.secrets import SecretBox, open_secret_box

API_KEY = "LiveApiKey9f8e7d6c5b4a3210"
API_SECRET = "LiveSecret0a1b2c3d4e5f6789xyz"
OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def account(box: SecretBox, **kw: object) -> ExchangeAccount:
    fields: dict[str, object] = {
        "id": "acc1", "user_id": "u1", "exchange": ExchangeName.BINANCE,
        "mode": TradingMode.LIVE, "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        "key_last4": API_KEY[-4:],
        "credentials_ciphertext": box.encrypt("u1", "binance", {"api_key": API_KEY,
                                                                "api_secret": API_SECRET})}
    fields.update(kw)
    return ExchangeAccount(**fields)  # type: ignore[arg-type]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    root = tmp_path / "database"
    store = DocumentStore(root)
    user = User(id="u1", email="u1@example.com", created_at=datetime(2026, 1, 1, tzinfo=UTC),
                exchange_accounts=[account(SecretBox([OLD]))])
    UserRepository(store).create(user)
    return root


def all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_rotation_round_trip(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = {"VERZEK_DATA_DIR": str(data_dir), "VERZEK_MASTER_KEYS": f"{NEW},{OLD}"}
    assert keys_main(["rotate"], environ=env) == 0
    assert "rotated 1 secret(s) in 1 user document(s)" in capsys.readouterr().out
    token = UserRepository(DocumentStore(data_dir)).get("u1").exchange_accounts[0]
    assert token.credentials_ciphertext is not None
    assert SecretBox([NEW]).decrypt(token.credentials_ciphertext, "u1", "binance") == {
        "api_key": API_KEY, "api_secret": API_SECRET}
    with pytest.raises(SecretError):  # the old key alone no longer opens it
        SecretBox([OLD]).decrypt(token.credentials_ciphertext, "u1", "binance")


def test_rotation_with_a_missing_key_changes_nothing(data_dir: Path) -> None:
    before = (data_dir / "users" / "u1.json").read_bytes()
    env = {"VERZEK_DATA_DIR": str(data_dir), "VERZEK_MASTER_KEYS": NEW}
    assert keys_main(["rotate"], environ=env) == 1
    assert (data_dir / "users" / "u1.json").read_bytes() == before


def test_copied_data_dir_without_the_key_yields_nothing(data_dir: Path, tmp_path: Path) -> None:
    stolen = tmp_path / "stolen"
    shutil.copytree(data_dir, stolen)
    assert API_KEY.encode() not in all_bytes(stolen)
    assert API_SECRET.encode() not in all_bytes(stolen)
    token = UserRepository(DocumentStore(stolen)).get("u1").exchange_accounts[0]
    assert token.credentials_ciphertext is not None
    for box in (open_secret_box([], stolen), SecretBox([Fernet.generate_key().decode()])):
        with pytest.raises(SecretError):
            box.decrypt(token.credentials_ciphertext, "u1", "binance")
    with pytest.raises(SecretError):  # the right key, the wrong owner
        SecretBox([OLD]).decrypt(token.credentials_ciphertext, "u2", "binance")


@pytest.fixture
def redacted_log() -> Iterator[io.StringIO]:
    """A handler formatted like the service's (redacting), catching ccxt's DEBUG lines too."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(ContextFilter())
    handler.setFormatter(RedactingFormatter("%(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def make_factory(box: SecretBox, tmp_path: Path, clock: ManualClock) -> ExchangeFactory:
    return ExchangeFactory(
        secret_box=box, clock=clock, paper_store=DocumentStore(tmp_path / "paper-db"),
        price_feed=SimPriceFeed(clock=clock), sleeper=clock.advance,
        markets_loader=lambda ex: load_markets_snapshot(ex.value),
        client_options={"binance": dict(BinanceVenue.ccxt_options)})


def test_live_client_uses_keys_but_logs_and_disk_never_show_them(
        data_dir: Path, tmp_path: Path, clock: ManualClock, redacted_log: io.StringIO) -> None:
    box = SecretBox([OLD])
    factory = make_factory(box, tmp_path, clock)
    acct = UserRepository(DocumentStore(data_dir)).get("u1").exchange_accounts[0]
    acct = acct.model_copy(update={"market_type": MarketType.FUTURES})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        venue = BinanceVenue(rsps)
        venue.balance()
        ex = factory.get(acct)
        assert isinstance(ex, CcxtExchange) and factory.get(acct) is ex
        assert ex.fetch_balance().get("USDT").total > 0
        sent = rsps.calls[-1].request
        assert sent.headers["X-MBX-APIKEY"] == API_KEY  # the key reached the exchange...
    logging.getLogger("ccxt.test").debug("headers %s", {"X-MBX-APIKEY": API_KEY})
    text = redacted_log.getvalue()
    assert "headers" in text
    assert API_KEY not in text and API_SECRET not in text  # ...and nowhere else
    assert API_KEY.encode() not in all_bytes(data_dir)
    assert API_KEY not in repr(ex.__dict__)


def test_factory_chooses_paper_for_demo_and_refuses_demo_key_for_live(
        tmp_path: Path, clock: ManualClock) -> None:
    box = SecretBox([OLD])
    demo = account(box, mode=TradingMode.DEMO, credentials_ciphertext=None)
    ex = make_factory(box, tmp_path, clock).get(demo)
    assert isinstance(ex, PaperExchange)
    assert ex.fetch_balance().get("USDT").free == Decimal("10000")
    generated = SecretBox([OLD], generated=True)
    with pytest.raises(SecretError):
        make_factory(generated, tmp_path, clock).get(account(box))
    other = account(box, user_id="u2")  # u1's token copied onto u2's account
    with pytest.raises(SecretError):
        make_factory(box, tmp_path, clock).get(other)


# --- Coinexx: credentials as the REST API stores them -------------------------------------------


def coinexx_payload(**fields: str) -> dict[str, str]:
    """The payload POST /api/users/<id>/exchanges stores for Coinexx (verzek/api/exchanges.py
    add_account): the request body's two MetaApi fields under their own names."""
    body = CoinexxAccountIn.model_validate({"exchange": "coinexx", **fields})
    return {"metaapi_token": body.metaapi_token,
            "metaapi_account_id": body.metaapi_account_id}


def stored_by_the_api(tmp_path: Path, clock: ManualClock, box: SecretBox,
                      credentials: dict[str, str]) -> ExchangeAccount:
    """An account stored by the same service and key field the API's view uses."""
    store = DocumentStore(tmp_path / "db")
    service = AccountService(users=UserRepository(store),
                             tokens=TokenService(store=store, clock=clock, ttl_s=3600),
                             limiter=LoginLimiter(clock=clock), secret_box=box, clock=clock)
    user = service.create_user(email="mt@example.com", password="correct horse 1",
                               name="MT User")
    # demo is what a free plan may add; the stored ciphertext is the same for live
    account = service.add_account(user.id, exchange=ExchangeName.COINEXX,
                                  market_type=MarketType.FUTURES, mode=TradingMode.DEMO,
                                  testnet=False, label="", credentials=credentials,
                                  key_field="metaapi_account_id")
    assert account.credentials_ciphertext is not None
    assert TOKEN.encode() not in all_bytes(tmp_path / "db")
    return account.model_copy(update={"mode": TradingMode.LIVE})


def test_coinexx_account_stored_by_the_api_is_built_and_trades(
        tmp_path: Path, clock: ManualClock) -> None:
    box = SecretBox([OLD])
    account = stored_by_the_api(tmp_path, clock, box, coinexx_payload(
        metaapi_token=TOKEN, metaapi_account_id=ACCOUNT))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve_metaapi(rsps)
        rsps.post(f"{BASE}/trade", json=DONE)
        ex = make_factory(box, tmp_path, clock).get(account)
        assert isinstance(ex, CoinexxExchange)
        result = ex.create_order(order("BTC/USDT", quantity=Decimal("0.05")))
        assert result.status is OrderStatus.FILLED and result.client_order_id == CID
        (sent,) = trades(rsps)
        assert sent["actionType"] == "ORDER_TYPE_BUY" and sent["symbol"] == "BTCUSD"
        assert all(c.request.headers["auth-token"] == TOKEN for c in rsps.calls)
        assert all(c.request.url.startswith(BASE) for c in rsps.calls)


def test_coinexx_credentials_missing_a_field_name_it(tmp_path: Path,
                                                     clock: ManualClock) -> None:
    box = SecretBox([OLD])
    partial = account(box, exchange=ExchangeName.COINEXX, credentials_ciphertext=box.encrypt(
        "u1", ExchangeName.COINEXX, {"metaapi_token": TOKEN}))  # e.g. an old record
    with pytest.raises(AuthError, match="metaapi_account_id") as info:
        make_factory(box, tmp_path, clock).get(partial)
    assert info.value.details == {"missing": ["metaapi_account_id"]}
    assert TOKEN not in str(info.value)


def test_operator_coinexx_keys_from_the_environment_build_too(tmp_path: Path,
                                                              clock: ManualClock) -> None:
    """Settings.operator_credentials() names them token / account_id."""
    box = SecretBox([OLD])
    factory = ExchangeFactory(
        secret_box=box, clock=clock, paper_store=DocumentStore(tmp_path / "paper-db"),
        price_feed=SimPriceFeed(clock=clock), sleeper=clock.advance,
        markets_loader=lambda ex: load_markets_snapshot(ex.value), operator_user_id="u1",
        operator_credentials={ExchangeName.COINEXX: {"token": TOKEN, "account_id": ACCOUNT}})
    operator = account(box, exchange=ExchangeName.COINEXX, credentials_ciphertext=None)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve_metaapi(rsps)
        rsps.post(f"{BASE}/trade", json=DONE)
        ex = factory.get(operator)
        assert ex.create_order(order("BTC/USDT", quantity=Decimal("0.05"))).client_order_id \
            == CID
        assert len(trades(rsps)) == 1
