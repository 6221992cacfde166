"""Pure rules of the back-office checks: card numbers, and which checks an order may rely on."""
