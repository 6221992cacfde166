"""Stand-ins for the systems around the hub: partner CRMs and in-memory fakes (not shipped)."""
