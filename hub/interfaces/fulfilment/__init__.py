"""Fulfilment status reported by back-office systems."""
