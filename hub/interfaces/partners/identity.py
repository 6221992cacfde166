"""Who calls on a partner's vhost: the partner the broker authenticated, and the employee acting."""

from dataclasses import dataclass

from hub.canonical.partners import PartnerProfile, UserType
from hub.errors import Rejected, error
from hub.interfaces.partners.registry import served_partner
from hub.interfaces.request import Request
from hub.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Acting:
    """An approved partner, and the employee of it named in ``x-acting-user``."""

    partner: PartnerProfile
    user_id: str
    user_type: UserType

    def require_power(self, what: str, path: str | None = None) -> None:
        """Refuse what only power users may do when the employee is a standard user."""
        if self.user_type != "power":
            raise Rejected(error("partner.user_type_forbidden",
                                 f"{self.user_id} is a standard user of partner "
                                 f"{self.partner.partner_id} and may not {what}; a power user "
                                 "may", path))

    def check_account(self, account_id: str, path: str = "account_id") -> None:
        """A partner acts only on its assigned accounts and its own."""
        if not self.partner.serves(account_id):
            raise Rejected(error("partner.account_not_assigned",
                                 f"account {account_id} is not assigned to partner "
                                 f"{self.partner.partner_id}", path))


async def identify(uow: UnitOfWork, request: Request, channel_partner: str) -> PartnerProfile:
    """The approved partner the broker authenticated, on its own vhost; otherwise refused."""
    if not request.user_id:
        raise Rejected(error("partner.identity_missing",
                             "set the AMQP user_id property to your RabbitMQ user: the broker "
                             "checks it, and the hub takes it as who you are"))
    if request.user_id != channel_partner:
        raise Rejected(error("partner.identity_mismatch",
                             f"user {request.user_id} may not act on partner {channel_partner}'s "
                             "virtual host"))
    return await served_partner(uow, request.user_id, path=None)


async def acting_employee(uow: UnitOfWork, request: Request, channel_partner: str) -> Acting:
    """The partner and its assigned employee in ``x-acting-user``; otherwise refused."""
    partner = await identify(uow, request, channel_partner)
    user = (await uow.partners.user(partner.partner_id, request.acting_user)
            if request.acting_user else None)
    if user is None:
        named = f"user {request.acting_user} is not" if request.acting_user else "no user is"
        raise Rejected(error("partner.user_unknown",
                             f"{named} assigned to partner {partner.partner_id}: set the "
                             "x-acting-user header to an employee the brand owner assigned"))
    return Acting(partner, user.user_id, user.user_type)  # type: ignore[arg-type]
