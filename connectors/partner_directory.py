"""Which connector reaches which partner's CRM: built once per partner, then kept open."""

import abc
import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from connectors.amqp_partner import AmqpPartnerCrm
from connectors.partner_port import InMemoryPartnerCrm, PartnerCrm, PartnerRefused
from connectors.soap_partner import SoapPartnerCrm
from hub.canonical.partners import PartnerProfile
from hub.delivery.partner_topology import vhost_of, vhost_url
from hub.mappers.vocabularies import VOCABULARIES

DEFAULT_WSDL = Path(__file__).resolve().parents[1] / "contracts" / "partners" / "odoo_crm.wsdl"


class CrmDirectory(abc.ABC):
    """The port the opportunity interfaces ask for a partner's CRM."""

    @abc.abstractmethod
    async def crm_for(self, partner: PartnerProfile) -> PartnerCrm:
        """The partner's CRM; raises PartnerUnavailable or PartnerRefused when unreachable."""

    async def aclose(self) -> None:  # noqa: B027 - a directory with nothing open closes nothing
        """Close every connection the directory opened."""


@dataclass
class InMemoryCrmDirectory(CrmDirectory):
    """Every partner's CRM in memory: the honest fake for tests without a network."""

    crms: dict[str, InMemoryPartnerCrm] = field(default_factory=dict)

    async def crm_for(self, partner: PartnerProfile) -> PartnerCrm:
        return self.crms.setdefault(partner.partner_id, InMemoryPartnerCrm(partner.partner_id))


class LiveCrmDirectory(CrmDirectory):
    """SOAP partners through zeep (WSDL loaded once), AMQP partners through their vhost."""

    def __init__(self, amqp_url: str, secrets: dict[str, str], timeout: float) -> None:
        self._amqp_url = amqp_url
        self._secrets = secrets
        self._timeout = timeout
        self._crms: dict[str, tuple[PartnerProfile, PartnerCrm]] = {}
        self._lock = asyncio.Lock()

    async def crm_for(self, partner: PartnerProfile) -> PartnerCrm:
        async with self._lock:
            known = self._crms.get(partner.partner_id)
            if known is not None and _same_connector(known[0], partner):
                return known[1]
            if known is not None:
                await _close(known[1])
            crm = await self._open(partner)
            self._crms[partner.partner_id] = (partner, crm)
            return crm

    async def aclose(self) -> None:
        async with self._lock:
            for _, crm in self._crms.values():
                await _close(crm)
            self._crms.clear()

    async def _open(self, partner: PartnerProfile) -> PartnerCrm:
        connector = partner.connector
        if connector.kind == "amqp":
            url = vhost_url(self._amqp_url, partner.vhost or vhost_of(partner.partner_id))
            return await AmqpPartnerCrm(url, partner.partner_id, VOCABULARIES[partner.vocabulary],
                                        self._timeout).start()
        if partner.vocabulary != "odoo":
            raise PartnerRefused("partner.connector_invalid",
                                 "the SOAP connector speaks the odoo vocabulary only")
        secret = self._secrets.get(connector.secret_ref or "")
        if secret is None:
            raise PartnerRefused("partner.secret_unknown",
                                 f"no secret '{connector.secret_ref}' in HUB_PARTNER_SECRETS")
        return await SoapPartnerCrm.load(connector.wsdl or DEFAULT_WSDL, connector.address or "",
                                         connector.username or "", secret, self._timeout,
                                         partner_id=partner.partner_id)


def _same_connector(a: PartnerProfile, b: PartnerProfile) -> bool:
    return (a.connector, a.vocabulary, a.vhost) == (b.connector, b.vocabulary, b.vhost)


async def _close(crm: PartnerCrm) -> None:
    if isinstance(crm, AmqpPartnerCrm | SoapPartnerCrm):
        await crm.aclose()
