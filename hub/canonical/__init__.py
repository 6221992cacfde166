"""The hub's canonical model: the message shapes every external format maps to and from."""
