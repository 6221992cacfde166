"""Which connector reaches which partner's CRM: built once per partner, then kept open."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from hub.canonical.partners import PartnerProfile
from hub.interfaces.ports import CrmDirectory, PartnerCrm, PartnerRefused

# opens the CRM of one partner; bootstrap wires one per connector kind ("amqp", "soap")
CrmOpener = Callable[[PartnerProfile], Awaitable[PartnerCrm]]


class LiveCrmDirectory(CrmDirectory):
    """Opens each partner's CRM with the opener of its connector kind, and keeps it open."""

    def __init__(self, openers: Mapping[str, CrmOpener]) -> None:
        self._openers = dict(openers)
        self._crms: dict[str, tuple[PartnerProfile, PartnerCrm]] = {}
        self._lock = asyncio.Lock()

    async def crm_for(self, partner: PartnerProfile) -> PartnerCrm:
        async with self._lock:
            known = self._crms.get(partner.partner_id)
            if known is not None and _same_connector(known[0], partner):
                return known[1]
            if known is not None:
                await known[1].aclose()
            crm = await self._open(partner)
            self._crms[partner.partner_id] = (partner, crm)
            return crm

    async def aclose(self) -> None:
        async with self._lock:
            for _, crm in self._crms.values():
                await crm.aclose()
            self._crms.clear()

    async def _open(self, partner: PartnerProfile) -> PartnerCrm:
        opener = self._openers.get(partner.connector.kind)
        if opener is None:
            raise PartnerRefused("partner.connector_invalid",
                                 f"no connector of kind {partner.connector.kind}")
        return await opener(partner)


def _same_connector(a: PartnerProfile, b: PartnerProfile) -> bool:
    return (a.connector, a.vocabulary, a.vhost) == (b.connector, b.vocabulary, b.vhost)
