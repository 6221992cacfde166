"""The SOAP endpoint on an address of its own (``HUB_SOAP_ADDR``), started and stopped with the
hub; the service is mounted at ``/soap``, so partners call ``http://<addr>/soap/partner``."""

import logging

from aiohttp import web

from hub.soap.endpoint import PATH, PartnerService, partner_app

log = logging.getLogger("hub.soap")
PREFIX = "/soap"


def host_and_port(address: str) -> tuple[str, int]:
    """``host:port`` (port 0 picks a free one); ``[::1]:8090`` for IPv6."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"HUB_SOAP_ADDR must be host:port, not {address!r}")
    return host.strip("[]"), int(port)


class SoapServer:
    """One HTTP listener serving the partner service; in-flight calls finish at :meth:`stop`."""

    def __init__(self, service: PartnerService, address: str, graceful_timeout: float) -> None:
        self.host, self.port = host_and_port(address)
        root = web.Application()
        root.add_subapp(PREFIX, partner_app(service))
        self._runner = web.AppRunner(root, shutdown_timeout=graceful_timeout,
                                     handle_signals=False, access_log=None)
        self.url: str | None = None

    async def start(self) -> str:
        """Listen, and return the service's URL (with the port chosen when 0 was asked)."""
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        host, port = self._runner.addresses[0][:2]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{port}{PREFIX}{PATH}"
        log.info("SOAP partner service at %s (WSDL at %s?wsdl)", self.url, self.url)
        return self.url

    async def stop(self) -> None:
        await self._runner.cleanup()
