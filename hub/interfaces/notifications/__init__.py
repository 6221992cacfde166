"""Customer e-mails leaving the hub: each relayed message sent at most once per message_id."""
