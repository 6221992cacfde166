"""Getting messages in and out of RabbitMQ without losing one: topology, relay, error policy."""
