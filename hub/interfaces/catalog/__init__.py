"""The product catalog: the brand owner's product master syncs it, everyone may browse it."""
