"""A live account's keys are checked before its first trade. Keys never checked traded live,
withdrawal permission and all: only the optional verify call refused those (journey 11)."""

from __future__ import annotations

from tests.engine.conftest import Engine
from verzek.domain.models import (
    ExchangeAccount,
    ExchangeName,
    MarketType,
    SignalSource,
    TradingMode,
)
from verzek.errors import SecretError
from verzek.exchanges.base import CredentialReport, Exchange
from verzek.exchanges.paper import PaperExchange

CALL = "#ETH/USDT LONG\nEntry: 100\nTargets: 110\nStop: 91\nLeverage 5x"


class Keys:
    """Live clients are paper exchanges underneath (no network) whose key check says what
    `report` says; `checks` counts the checks."""

    def __init__(self, engine: Engine, report: CredentialReport) -> None:
        self.engine, self.report, self.checks = engine, report, 0

    def build(self, account: ExchangeAccount) -> Exchange:
        keys = self

        class Live(PaperExchange):
            def verify_credentials(self) -> CredentialReport:
                keys.checks += 1
                return keys.report

        user = self.engine.runtime.users.get(account.user_id)
        paper = self.engine.trading.pool.get(user, account, paper=True)
        assert isinstance(paper, PaperExchange)
        return Live(account_id=f"live-{account.id}", exchange=paper.name,
                    market_type=account.market_type, store=self.engine.runtime.store,
                    price_feed=self.engine.feed, clock=self.engine.clock,
                    markets=paper.load_markets())


def _live_user(engine: Engine, status: str = "unverified") -> None:
    engine.add_user("u1", general={"auto_trade": True, "mode": "live"},
                    risk={"position_size_usdt": "100"})
    account = ExchangeAccount(id="bn1", user_id="u1", exchange=ExchangeName.BINANCE,
                              market_type=MarketType.FUTURES, mode=TradingMode.LIVE,
                              status=status, created_at=engine.clock.now())  # type: ignore[arg-type]
    engine.runtime.users.update("u1", lambda u: u.model_copy(
        update={"exchange_accounts": [account]}))
    engine.price("ETH/USDT:USDT", "100")


def _status(engine: Engine) -> str:
    (account,) = engine.runtime.users.get("u1").exchange_accounts
    return account.status


def test_keys_that_can_withdraw_are_refused_before_the_first_live_trade(engine: Engine) -> None:
    keys = Keys(engine, CredentialReport(False, True, False, "the key may withdraw funds"))
    engine.trading.pool._live_builder = keys.build
    _live_user(engine)
    result = engine.trading.submit_text(CALL, SignalSource(kind="api"))
    (decision,) = result.decisions
    assert decision.outcome == "skipped" and decision.code == "account_keys_unverified"
    assert "may withdraw" in decision.reason and "nothing was sent" in decision.reason
    assert engine.positions("u1") == [] and keys.checks == 1
    assert _status(engine) == "failed"
    # the next call is refused by the failed keys, without asking the exchange again
    result = engine.trading.submit_text(CALL.replace("Entry: 100", "Entry: 100.5"),
                                        SignalSource(kind="api"))
    assert result.decisions[0].code == "account_keys_failed" and keys.checks == 1


def test_good_keys_are_checked_once_and_trade(engine: Engine) -> None:
    keys = Keys(engine, CredentialReport(True, False, True, "trading only"))
    engine.trading.pool._live_builder = keys.build
    _live_user(engine)
    result = engine.trading.submit_text(CALL, SignalSource(kind="api"))
    assert result.decisions[0].outcome == "executed", result.decisions
    assert _status(engine) == "verified" and keys.checks == 1
    (position,) = engine.positions("u1")
    assert position.mode is TradingMode.LIVE


def test_keys_the_service_cannot_decrypt_are_the_operators_fault_not_the_users(
        engine: Engine) -> None:
    """A master key changed by mistake: every live signal was an internal error with a
    traceback, and a key check told the user to enter their keys again, marking them failed
    (they stayed failed once the operator restored the key)."""
    def unreadable(account: ExchangeAccount) -> Exchange:
        raise SecretError("stored credentials cannot be decrypted with the configured "
                          "master keys")

    engine.trading.pool._live_builder = unreadable
    _live_user(engine, status="verified")
    (decision,) = engine.trading.submit_text(CALL, SignalSource(kind="api")).decisions
    assert decision.outcome == "skipped" and decision.code == "credentials_unreadable"
    assert "operator" in decision.reason
    check = engine.trading.verify_account("u1", "bn1")
    assert check["ok"] is False and "operator" in check["message"]
    assert _status(engine) == "verified"  # not "failed": the keys themselves were not refused


def test_keys_verified_on_the_testnet_are_checked_again_for_mainnet(engine: Engine) -> None:
    """"verified" survived a switch from testnet to mainnet (or spot to futures), so the
    check before the first live trade was skipped (journey 12)."""
    from verzek.domain.models import PlanName

    engine.add_user("u2", plan=PlanName.VIP)
    account = ExchangeAccount(id="bn2", user_id="u2", exchange=ExchangeName.BINANCE,
                              market_type=MarketType.FUTURES, mode=TradingMode.DEMO,
                              testnet=True, status="verified", created_at=engine.clock.now())
    engine.runtime.users.update("u2", lambda u: u.model_copy(
        update={"exchange_accounts": [account]}))
    accounts = engine.runtime.accounts
    assert accounts.update_account("u2", "bn2", {"label": "main"}).status == "verified"
    assert accounts.update_account("u2", "bn2", {"testnet": False}).status == "unverified"


def test_keys_not_checked_yet_that_cannot_be_read_say_so(engine: Engine) -> None:
    """Unreadable keys on an account not checked yet were "checked and not accepted"
    (`account_keys_unverified`): the operator's master keys, not the user's keys."""
    def unreadable(account: ExchangeAccount) -> Exchange:
        raise SecretError("stored credentials cannot be decrypted")

    engine.trading.pool._live_builder = unreadable
    _live_user(engine)
    (decision,) = engine.trading.submit_text(CALL, SignalSource(kind="api")).decisions
    assert decision.outcome == "skipped" and decision.code == "credentials_unreadable"
    assert "could not be checked" in decision.reason and "checked again" in decision.reason
    assert _status(engine) == "unverified"
