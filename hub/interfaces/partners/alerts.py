"""The channel manager's alerts to partners: they reach each partner's ``partner.events``."""

from hub.canonical.partners import AlertResult, PartnerAlert
from hub.canonical.replies import Reply
from hub.errors import Rejected, error
from hub.interfaces.exactly_once import exactly_once
from hub.interfaces.request import Request
from hub.store.unit_of_work import UnitOfWork


async def send_alert(alert: PartnerAlert, request: Request, uow: UnitOfWork) -> Reply:
    """Announce ``partner.alert`` for the listed partners, or for every approved one."""

    async def use_case(uow: UnitOfWork) -> tuple[str, dict]:
        approved = {p.partner_id for p in await uow.partners.profiles()
                    if p.status == "approved"}
        if alert.partner_ids is None:
            recipients = sorted(approved)
        else:
            recipients = list(dict.fromkeys(alert.partner_ids))
            if refused := [
                error("partner.not_approved", f"partner {partner_id} is not an approved "
                      "partner; alerts reach approved partners only", f"partner_ids[{n}]")
                for n, partner_id in enumerate(alert.partner_ids) if partner_id not in approved
            ]:
                raise Rejected(*refused)
        uow.outbox.event("partner.alert", {**alert.model_dump(mode="json", exclude={
            "partner_ids"}), "partner_ids": recipients})
        return "accepted", AlertResult(alert_id=alert.alert_id,
                                       delivered_to=recipients).model_dump()

    return await exactly_once(uow, request, use_case)
