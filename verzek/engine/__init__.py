"""Trading engine: signal bus, orchestrator, position tracker, price monitor, order journal."""
