"""Provisioning a registered partner on the broker: its own vhost, user and queues, recorded."""

from hub.errors import Rejected, error
from hub.interfaces.partners.registry import record_provisioned
from hub.interfaces.ports import BrokerAdmin
from hub.store.unit_of_work import UnitOfWork


async def provision_partner(uow: UnitOfWork, admin: BrokerAdmin, partner_id: str,
                            password: str | None) -> str:
    """Open the partner's channel on the broker and record its vhost; returns the vhost."""
    async with uow:
        if await uow.partners.get(partner_id) is None:
            raise Rejected(error("partner.unknown", f"no partner {partner_id}: register "
                                 "it first", "partner_id"))
    vhost = await admin.open_partner_vhost(partner_id, password)
    await record_provisioned(uow, partner_id, vhost)
    return vhost
