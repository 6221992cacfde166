"""Fault injection: the hub under kill -9, SIGTERM and broker restarts, on brokers it owns."""
