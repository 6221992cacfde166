"""Asset ASIs: the installed base, its future state and deltas, and its sync."""
