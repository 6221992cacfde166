"""Stand-ins for the systems around the hub: partner CRMs, the back office and in-memory fakes
(not shipped)."""
