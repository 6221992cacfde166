"""Use cases run broker-free on the in-memory unit of work (``tests/support/memory_store.py``)."""

from tests.support.memory_store import (  # noqa: F401  (fixtures)
    prepared,
    store,
    store_database,
    store_states,
    store_template,
)
