"""The ASIs proper: use cases over the canonical model, each inside one unit of work."""
