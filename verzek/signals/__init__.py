"""Signal understanding: message text to Signal, SignalUpdate or nothing; spam filters."""
