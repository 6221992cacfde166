"""The ports the use cases call: partner CRMs, the directory that finds them, the broker admin.

Adapters in ``connectors/`` implement them; ``hub/bootstrap.py`` wires the adapters in, and
``simulators/fakes.py`` holds honest in-memory fakes for tests without a network.
"""

import abc

from hub.canonical.opportunities import Opportunity
from hub.canonical.partners import PartnerProfile
from hub.errors import HubError


class PartnerUnavailable(Exception):
    """The partner could not answer now (refused, timed out, 5xx): retry with backoff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PartnerRefused(Exception):
    """The partner or its answer was refused for good (fault, hostile XML): do not retry."""

    def __init__(self, code: str, reason: str, errors: list[HubError] | None = None) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.errors = errors or [HubError(code=code, message=reason)]


class PartnerCrm(abc.ABC):
    """A partner CRM holding our opportunities as its leads, addressed by its own lead id."""

    @abc.abstractmethod
    async def create_lead(self, opportunity: Opportunity, idempotency_key: str) -> str:
        """Create the lead and return the partner's id; the same key returns the same id."""

    @abc.abstractmethod
    async def update_lead(
        self, external_id: str, opportunity: Opportunity, idempotency_key: str
    ) -> None:
        """Replace the lead's content; the same key again changes nothing."""

    @abc.abstractmethod
    async def get_lead(self, external_id: str) -> Opportunity:
        """Read the lead as the partner has it now."""

    async def aclose(self) -> None:  # noqa: B027 - a CRM with nothing open closes nothing
        """Close whatever connection the CRM holds."""


class CrmDirectory(abc.ABC):
    """Finds a partner's CRM for the opportunity interfaces."""

    @abc.abstractmethod
    async def crm_for(self, partner: PartnerProfile) -> PartnerCrm:
        """The partner's CRM; raises PartnerUnavailable or PartnerRefused when unreachable."""

    async def aclose(self) -> None:  # noqa: B027 - a directory with nothing open closes nothing
        """Close every connection the directory opened."""


class BrokerAdmin(abc.ABC):
    """Opens a partner's own channel on the broker: vhost, user, permissions and queues."""

    @abc.abstractmethod
    async def open_partner_vhost(self, partner_id: str, password: str | None) -> str:
        """Create or update the partner's vhost, user and queues (safe to repeat); its vhost.

        ``password`` None keeps the password of a user that exists already.
        """


class BackOfficeUnavailable(Exception):
    """The back office did not take the request, or did not answer in time."""


class BackOffice(abc.ABC):
    """The credit, stock, tax and payment systems behind the hub, asked one request at a time."""

    @abc.abstractmethod
    async def ask(self, operation: str, body: bytes, message_id: str) -> bytes:
        """The back office's answer to ``body``; raises :class:`BackOfficeUnavailable`."""
