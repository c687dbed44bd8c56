"""Telegram transports: the Telethon forwarder and the broadcast bot."""
