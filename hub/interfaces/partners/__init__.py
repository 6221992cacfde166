"""The partner registry and the calls the hub makes to partner CRMs."""
