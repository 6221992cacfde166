"""Say in one sentence how to get a broker when none answers at ``AMQP_URL``."""

import socket
import sys
from urllib.parse import urlparse

from hub.settings import Settings

HOW_TO_GET_ONE = (
    "No RabbitMQ answers at {where}. Start one with `docker compose up -d rabbitmq` "
    "(from this folder), or a local server with `rabbitmq-server -detached`, "
    "or point AMQP_URL at a broker you have."
)


def broker_answers(amqp_url: str, timeout: float = 3.0) -> bool:
    url = urlparse(amqp_url)
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 5672), timeout):
            return True
    except OSError:
        return False


def main() -> int:
    settings = Settings()
    if broker_answers(settings.amqp_url):
        return 0
    url = urlparse(settings.amqp_url)
    print(HOW_TO_GET_ONE.format(where=f"{url.hostname}:{url.port or 5672}"), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
