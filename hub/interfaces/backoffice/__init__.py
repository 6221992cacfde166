"""Back-office ASIs: checks asked of the back office, and what happens after the order."""
