"""The hub's own SOAP endpoint, where partners whose CRM speaks SOAP call the hub."""
