"""Order domain rules: pure functions over the canonical order, no I/O."""
