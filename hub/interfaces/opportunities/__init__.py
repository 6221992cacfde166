"""Opportunity transfer, update and query, both ways between brand owner and partners."""
