"""Users, settings, subscriptions and exchange accounts: the service both the REST API and
the Telegram commands call (no transport code here; passwords and login tokens: `sessions`)."""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from verzek.clock import Clock
from verzek.domain.dca_bounds import MAX_PCT, MAX_SCALE, MIN_SCALE
from verzek.domain.models import (
    DcaSettings,
    ExchangeAccount,
    ExchangeName,
    GeneralSettings,
    MarketType,
    Model,
    PlanName,
    RiskSettings,
    StrategySettings,
    Subscription,
    TradingMode,
    User,
)
from verzek.domain.numeric import plain
from verzek.domain.plans import new_subscription, plan_features, subscribe
from verzek.engine.sessions import (
    DUMMY_HASH,
    LoginLimiter,
    SignupLimiter,
    TokenService,
    hash_password,
    verify_password,
)
from verzek.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    SecretError,
    TooManyRequests,
)
from verzek.store.repos import PositionRepository, UserRepository, email_key
from verzek.store.secrets import SecretBox

_NOT_SPACE = r"[^@\x00-\x20\x7f]"  # the same set in Python and ECMA (JSON schema) regexes
EMAIL_RE = re.compile(rf"^{_NOT_SPACE}{{1,64}}@{_NOT_SPACE}{{1,185}}\.{_NOT_SPACE}{{1,63}}$")
Section = Literal["general", "risk", "strategy", "dca"]
SECTION_MODELS: dict[str, type[Model]] = {
    "general": GeneralSettings, "risk": RiskSettings, "strategy": StrategySettings,
    "dca": DcaSettings}

logger = logging.getLogger(__name__)


# --- users, settings, subscriptions, exchange accounts ---------------------------------------


@dataclass(frozen=True)
class Login:
    token: str
    user_id: str
    expires_at: datetime


USER_EDITABLE = frozenset({"name", "email", "password"})


class AccountService:
    """What a user or an admin may do to users and their settings, plans and exchange keys."""

    def __init__(self, *, users: UserRepository, tokens: TokenService, limiter: LoginLimiter,
                 secret_box: SecretBox, clock: Clock, operator_user_id: str | None = None,
                 operator_exchanges: frozenset[ExchangeName] = frozenset(),
                 positions: PositionRepository | None = None,
                 signups: SignupLimiter | None = None) -> None:
        self.users, self.tokens, self.limiter = users, tokens, limiter
        self.signups = signups or SignupLimiter(clock=clock)
        self.positions = positions  # to refuse deleting what open positions trade on
        self.secret_box, self.clock = secret_box, clock
        # the user whose accounts without keys trade with the operator's (set for these)
        self.operator_user_id, self.operator_exchanges = operator_user_id, operator_exchanges

    # users ------------------------------------------------------------------------------
    def is_active_user(self, user_id: str) -> bool:
        """Whether the user exists and is not deleted (hot path: no model is built)."""
        try:
            doc = self.users.store.read_shared(f"{self.users.FOLDER}/{user_id}.json")
        except InvalidInput:
            return False
        return doc is not None and not doc.get("deleted")

    def create_user(self, *, email: str, password: str, name: str,
                    address: str | None = None) -> User:
        """A new user on the free plan. `address`: an open sign-up's, counted by the sign-up
        limiter (an admin's creation passes none)."""
        if address is not None:
            try:
                self.signups.check(address)
            except TooManyRequests:
                logger.warning("sign-up refused from %s: too many sign-ups", address)
                raise
        email = _check_email(email)
        now = self.clock.now()
        user = User(id="u_" + secrets.token_hex(8), email=email, name=name.strip(),
                    password_hash=hash_password(password), created_at=now,
                    subscription=new_subscription(
                        now, trial=not self.users.had_account_before(email)))
        created = self.users.create(user)
        logger.info("user %s created %s", created.id,
                    f"by sign-up from {address}" if address is not None else "by an admin")
        return created

    def login(self, *, email: str, password: str, address: str) -> Login:
        key = email_key(email.strip())
        try:
            self.limiter.check(key, address)
        except TooManyRequests:
            logger.warning("login refused for %s from %s: too many failed logins",
                           _masked(key), address)
            raise
        user = self.users.by_email(key)
        if user is None or not user.password_hash:
            verify_password(password, DUMMY_HASH)  # same cost whether the account exists
            ok = False
        else:
            ok = verify_password(password, user.password_hash)
        if not ok or user is None:  # counted as a failure by the check already
            logger.warning("failed login for %s from %s", _masked(key), address)
            raise InvalidCredentials("wrong e-mail or password")
        self.limiter.succeeded(key, address)
        token, expires = self.tokens.issue(user.id)
        return Login(token=token, user_id=user.id, expires_at=expires)

    def list_users(self, *, limit: int, offset: int) -> tuple[list[User], int]:
        ids = sorted(self.users.ids())
        users = [u for u in (self.users.find(i) for i in ids) if u is not None]
        return users[offset:offset + limit], len(users)

    def update_user(self, user_id: str, changes: dict[str, Any], *,
                    keep_token: str | None = None, by: str = "an admin") -> User:
        """Apply name / e-mail / password changes; anything else is refused, nothing changed.
        A new password revokes the user's tokens but `keep_token` (the caller's own). `by`:
        who, for the log ("the user", "an admin")."""
        refused = sorted(set(changes) - USER_EDITABLE)
        if refused:
            raise Forbidden("these fields are not yours to set", code="forbidden_field",
                            details={"fields": refused})
        values = dict(changes)
        if "email" in values:
            values["email"] = _check_email(values["email"])
            other = self.users.by_email(values["email"])
            if other is not None and other.id != user_id:
                raise Conflict("a user with this e-mail exists already", code="email_taken")
        if "password" in values:
            values["password_hash"] = hash_password(values.pop("password"))
        if "name" in values:
            values["name"] = values["name"].strip()
        user = self.users.update(user_id, lambda u: u.model_copy(update=values))
        if "password_hash" in values:
            self.tokens.revoke_all(user_id, keep=keep_token)
        logger.info("user %s: %s changed by %s", user_id,
                    ", ".join(sorted(changes)) or "nothing", by)
        return user

    def check_current_password(self, user_id: str, password: str | None, address: str) -> None:
        """The user's own password, before a change of e-mail or password: refused (403) when
        missing or wrong; a wrong one counts like a failed login, so a stolen token cannot
        guess it."""
        if not password:
            raise Forbidden("send your current password (current_password) to change your "
                            "e-mail or password", code="current_password_required")
        user = self.users.get(user_id)
        key = email_key(user.email)
        self.limiter.check(key, address)
        if not user.password_hash or not verify_password(password, user.password_hash):
            logger.warning("wrong current password for %s from %s", _masked(key), address)
            raise Forbidden("the current password is wrong", code="wrong_password")
        self.limiter.succeeded(key, address)

    def delete_user(self, user_id: str, *, by: str = "an admin") -> None:
        """Mark the user deleted and drop what could be misused from a copy of the data: the
        password hash and every exchange account with its encrypted keys. Refused (409) while
        the user has open positions: their keys are what closes them."""
        self.users.get(user_id)  # 404 first
        self._refuse_open(user_id, None, "user_has_positions", "the user")
        self.users.update(user_id, lambda u: u.model_copy(update={
            "deleted": True, "password_hash": "", "exchange_accounts": [],
            "settings": u.settings.model_copy(update={"general": u.settings.general.model_copy(
                update={"auto_trade": False, "default_account_id": None})})}))
        self.tokens.revoke_all(user_id)
        logger.warning("user %s deleted by %s", user_id, by)

    # settings ---------------------------------------------------------------------------
    def get_settings(self, user_id: str, section: Section) -> tuple[Any, Any]:
        """(stored, effective after the plan's caps) of one settings section."""
        user = self.users.get(user_id)
        return getattr(user.settings, section), effective_section(user, section, self.clock.now())

    def put_settings(self, user_id: str, section: Section, value: Any, *,
                     partial: bool = False) -> tuple[Any, Any]:
        """Replace one section after checking it against the user's plan and accounts; with
        `partial`, only the fields `value` was given (`exclude_unset`) change, the others kept
        as stored (read and written under the user's lock)."""
        given = value.model_dump(exclude_unset=partial)
        now = self.clock.now()

        def apply(user: User) -> User:
            stored = getattr(user.settings, section).model_dump() if partial else {}
            model = SECTION_MODELS[section].model_validate({**stored, **given})
            if isinstance(model, GeneralSettings):
                features = plan_features(_current_plan(user, now))
                # switching to live is refused; a live mode kept from a plan that lapsed is
                # not (the plan trades it in demo): turning auto-trade off must never fail
                if model.mode is TradingMode.LIVE and not features.live_trading and \
                        user.settings.general.mode is not TradingMode.LIVE:
                    raise Forbidden("your plan does not include live trading",
                                    code="plan_forbids", details={"field": "mode"})
                ids = {a.id for a in user.exchange_accounts}
                if model.default_account_id is not None and model.default_account_id not in ids:
                    raise Conflict("no such exchange account", code="unknown_account",
                                   details={"field": "default_account_id"})
            if isinstance(model, DcaSettings):
                _check_dca_bounds(model)
            if isinstance(model, StrategySettings) and model.tp_distribution == "explicit" \
                    and not model.tp_distribution_pcts:
                raise Conflict("an explicit take-profit distribution needs "
                               "tp_distribution_pcts (the share each target closes, summing "
                               "to 100, e.g. [30, 30, 40])", code="shares_missing",
                               details={"field": "tp_distribution_pcts"})
            if isinstance(model, StrategySettings) and model.tp_distribution_pcts and \
                    sum(model.tp_distribution_pcts) != 100:
                raise Conflict(f"tp_distribution_pcts must sum to 100 (they sum to "
                               f"{sum(model.tp_distribution_pcts)}): each is the share of the "
                               "position one target closes", code="shares_not_100",
                               details={"field": "tp_distribution_pcts"})
            new_settings = user.settings.model_copy(update={section: model})
            return user.model_copy(update={"settings": new_settings})

        user = self.users.update(user_id, apply)
        return getattr(user.settings, section), effective_section(user, section, now)

    # subscriptions ------------------------------------------------------------------------
    def change_subscription(self, user_id: str, action: str, plan: PlanName | None = None,
                            days: int | None = None) -> User:
        now = self.clock.now()

        def apply(user: User) -> User:
            sub = user.subscription
            if action == "activate":
                assert plan is not None
                new = subscribe(plan, now, days)
            elif action == "extend":
                assert days is not None
                if sub.plan is PlanName.FREE or sub.expires_at is None:
                    raise Conflict("only a paid plan with an end date can be extended",
                                   code="not_extendable")
                start = max(sub.expires_at, now)
                new = sub.model_copy(update={"expires_at": start + timedelta(days=days)})
            else:
                new = Subscription(plan=PlanName.FREE, started_at=now,
                                   trial_ends_at=sub.trial_ends_at)
            return user.model_copy(update={"subscription": new})

        user = self.users.update(user_id, apply)
        sub = user.subscription
        logger.warning("subscription of %s %s by an admin: %s plan%s", user_id,
                       {"activate": "activated", "extend": "extended"}.get(action, "cancelled"),
                       sub.plan.value, f" until {sub.expires_at.isoformat()}"
                       if sub.expires_at is not None else "")
        return user

    # exchange accounts ------------------------------------------------------------------
    def add_account(self, user_id: str, *, exchange: ExchangeName, market_type: MarketType,
                    mode: TradingMode, testnet: bool, label: str,
                    credentials: dict[str, str] | None, key_field: str) -> ExchangeAccount:
        """Store a new account with its credentials encrypted; refuses over the plan's limit.
        Without credentials: a demo account (paper needs none), or a live one of the operator's
        user on an exchange whose operator keys are set (they trade with those)."""
        if credentials is None:
            if mode is TradingMode.LIVE and not self._operator_keys(user_id, exchange):
                raise Forbidden(
                    "a live account needs its api_key and api_secret; only the operator's user "
                    "(VERZEK_OPERATOR_USER_ID) trades with the operator's keys, on an exchange "
                    "whose keys are set", code="keys_required")
        elif mode is TradingMode.LIVE and not self.secret_box.allows_live_credentials:
            raise Conflict("live credentials need VERZEK_MASTER_KEYS set outside the data "
                           "directory", code="master_key_required")
        now = self.clock.now()
        account_id = "a_" + secrets.token_hex(8)
        # Under the generated demo key (kept beside the data) a stored key would be readable
        # from a copy of the data directory: a demo account trades on paper and keeps none.
        keep_keys = credentials is not None and self.secret_box.allows_live_credentials

        def apply(user: User) -> User:
            features = plan_features(_current_plan(user, now))
            if len(user.exchange_accounts) >= features.max_exchange_accounts:
                raise Forbidden(f"your plan allows {features.max_exchange_accounts} exchange "
                                "account(s)", code="plan_limit")
            if mode is TradingMode.LIVE and not features.live_trading:
                raise Forbidden("your plan does not include live trading", code="plan_forbids")
            if keep_keys and credentials is not None:
                self._refuse_same_key(user, exchange, market_type, testnet,
                                      credentials[key_field], key_field)
            account = ExchangeAccount(
                id=account_id, user_id=user_id, exchange=exchange, market_type=market_type,
                mode=mode, testnet=testnet, label=label, created_at=now,
                # the last 4 of a key long enough that they do not give most of it away
                key_last4=credentials[key_field][-4:] if credentials and
                len(credentials[key_field]) >= 12 else "",
                credentials_ciphertext=self.secret_box.encrypt(user_id, exchange, credentials)
                if keep_keys and credentials is not None else None)
            return user.model_copy(update={"exchange_accounts": [*user.exchange_accounts,
                                                                 account]})

        user = self.users.update(user_id, apply)
        return find_account(user, account_id)

    def _operator_keys(self, user_id: str, exchange: ExchangeName) -> bool:
        """Whether the user's accounts without keys trade with the operator's on `exchange`."""
        return user_id == self.operator_user_id and exchange in self.operator_exchanges

    def _refuse_same_key(self, user: User, exchange: ExchangeName, market_type: MarketType,
                         testnet: bool, key: str, key_field: str) -> None:
        """One account per API key and market: the same key twice would trade every signal
        twice on one exchange account when the user trades on all their accounts."""
        for account in user.exchange_accounts:
            if (account.exchange, account.market_type, account.testnet) != \
                    (exchange, market_type, testnet) or account.credentials_ciphertext is None:
                continue
            try:
                stored = self.secret_box.decrypt(account.credentials_ciphertext, user.id,
                                                 exchange.value)
            except SecretError:
                continue  # under a retired key: it cannot be compared (nor used)
            if hmac.compare_digest(str(stored.get(key_field, "")).encode(), key.encode()):
                raise Conflict(f"this API key is already added as account {account.id}",
                               code="duplicate_account", details={"account_id": account.id})

    def update_account(self, user_id: str, account_id: str,
                       changes: dict[str, Any]) -> ExchangeAccount:
        now = self.clock.now()
        current = find_account(self.users.get(user_id), account_id)  # 404 first
        moved = [f for f in ("market_type", "testnet", "exchange")
                 if f in changes and changes[f] != getattr(current, f)]
        if moved:
            # the open positions' orders live on the account as it is: another market or
            # venue would leave them unreachable (and their symbols unknown to its client)
            self._refuse_open(user_id, account_id, "account_has_positions",
                              f"exchange account {account_id} (changing its "
                              f"{' and '.join(moved)})")

        def apply(user: User) -> User:
            account = find_account(user, account_id)
            if changes.get("mode") is TradingMode.LIVE and account.credentials_ciphertext is None \
                    and not self._operator_keys(user_id, account.exchange):
                raise Forbidden("this account keeps no exchange keys (added without them, or "
                                "in demo without VERZEK_MASTER_KEYS): add it again with its "
                                "api_key and api_secret to trade live", code="keys_required")
            if changes.get("mode") is TradingMode.LIVE:
                if not self.secret_box.allows_live_credentials:
                    raise Conflict("live credentials need VERZEK_MASTER_KEYS set outside the "
                                   "data directory", code="master_key_required")
                if not plan_features(_current_plan(user, now)).live_trading:
                    raise Forbidden("your plan does not include live trading",
                                    code="plan_forbids")
            if changes.get("enabled") is True and not account.enabled:
                limit = plan_features(_current_plan(user, now)).max_exchange_accounts
                if sum(a.enabled for a in user.exchange_accounts) >= limit:
                    raise Forbidden(f"your plan allows {limit} enabled exchange account(s): "
                                    "disable another one first", code="plan_limit")
            new = account.model_copy(update=changes)
            if any(getattr(new, f) != getattr(account, f)
                   for f in ("market_type", "testnet", "exchange")) and new.status == "verified":
                # keys checked on the testnet, or for spot, say nothing of mainnet or futures:
                # checked again before the account's next live trade
                new = new.model_copy(update={"status": "unverified", "status_message": ""})
            return user.model_copy(update={"exchange_accounts": [
                new if a.id == account_id else a for a in user.exchange_accounts]})

        return find_account(self.users.update(user_id, apply), account_id)

    def delete_account(self, user_id: str, account_id: str) -> None:
        """Remove an exchange account; refused (409) while positions are open on it (disable
        it instead to stop new trades: its open positions stay managed)."""
        find_account(self.users.get(user_id), account_id)  # 404 first
        self._refuse_open(user_id, account_id, "account_has_positions",
                          f"exchange account {account_id}")

        def apply(user: User) -> User:
            find_account(user, account_id)
            general = user.settings.general
            if general.default_account_id == account_id:
                general = general.model_copy(update={"default_account_id": None})
            settings = user.settings.model_copy(update={"general": general})
            return user.model_copy(update={"settings": settings, "exchange_accounts": [
                a for a in user.exchange_accounts if a.id != account_id]})

        self.users.update(user_id, apply)


    def _refuse_open(self, user_id: str, account_id: str | None, code: str, what: str) -> None:
        """Conflict when the user (or one account of theirs) has positions not closed yet."""
        if self.positions is None:
            return
        held = [p for p in self.positions.open_raw(user_id)
                if account_id is None or p.get("account_id") == account_id]
        if held:
            symbols = sorted({str(p.get("symbol")) for p in held})
            raise Conflict(f"{what} has {len(held)} open position"
                           f"{'s' if len(held) > 1 else ''} ({', '.join(symbols)}); close "
                           f"{'them' if len(held) > 1 else 'it'} first", code=code,
                           details={"position_ids": [p.get("id") for p in held]})


class InvalidCredentials(InvalidInput):
    """The e-mail or password is wrong; the same answer whether the account exists or not."""

    code = "invalid_credentials"
    http_status = 401


def find_account(user: User, account_id: str) -> ExchangeAccount:
    for account in user.exchange_accounts:
        if account.id == account_id:
            return account
    raise NotFound("no such exchange account")


def _check_email(email: str) -> str:
    """The e-mail, checked as given, in NFC and lower-cased for uniqueness."""
    if not EMAIL_RE.fullmatch(email):
        raise InvalidInput("not an e-mail address", details={"field": "email"})
    return email_key(email)


def _check_dca_bounds(dca: DcaSettings) -> None:
    """The DCA figures the planner can build levels from, refused where they are set (409
    `dca_out_of_range` naming the field; 409 as `shares_not_100`: the schema states no such
    bound, stored settings outside it must still load): a volume scale of 1000 was stored,
    then every signal was skipped with the planner's own message."""
    checks: list[tuple[str, Decimal, Decimal | None, Decimal]] = [
        (name, getattr(dca, name), MIN_SCALE, MAX_SCALE) for name in ("step_scale",
                                                                      "volume_scale")]
    checks.append(("deviation_pct", dca.deviation_pct, None, MAX_PCT))
    for name, value, low, high in checks:
        if (low is not None and value < low) or value > high:
            span = f"from {low} to {high}" if low is not None else f"at most {high}"
            raise Conflict(f"{name} must be {span} (got {plain(value)}): the DCA planner "
                           "builds no levels beyond it", code="dca_out_of_range",
                           details={"field": name})


def _current_plan(user: User, now: datetime) -> PlanName:
    from verzek.domain.plans import effective_plan

    return effective_plan(user.subscription, now).name


def effective_section(user: User, section: Section, now: datetime) -> Any:
    """A settings section as the engine applies it after the plan's caps."""
    features = plan_features(_current_plan(user, now))
    value = getattr(user.settings, section)
    if isinstance(value, GeneralSettings):
        # the mode is not capped: a live mode kept from a plan that lapsed is not traded in
        # demo, its signals are skipped, saying why (`plan_no_live_trading`); "effective"
        # said "demo" while nothing was traded at all
        return value.model_copy(update={"auto_trade": value.auto_trade and features.auto_trade})
    if isinstance(value, RiskSettings):
        return value.model_copy(update={"max_leverage": min(value.max_leverage,
                                                            features.max_leverage)})
    if isinstance(value, DcaSettings):
        cap = features.max_dca_levels
        return value.model_copy(update={
            "enabled": value.enabled and features.dca_automation,
            "max_safety_orders": min(value.max_safety_orders, cap),
            "max_active_safety_orders": max(1, min(value.max_active_safety_orders, cap)),
            "levels": value.levels[:cap]})
    return value


def _masked(email: str) -> str:
    """An e-mail for the log: its first letter and its domain ("g***@example.com")."""
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"
