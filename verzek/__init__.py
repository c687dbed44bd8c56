"""VerzekAutoTrader: Telegram trading signals turned into automated DCA trades for many users."""

__version__ = "0.1.0"
