"""`make demo`: the hub's business scenarios, end to end, against a real broker."""
