"""Calling a partner's CRM from a use case: outside any transaction, retried with backoff."""

import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from hub.canonical.partners import PartnerProfile
from hub.interfaces.ports import CrmDirectory, PartnerCrm, PartnerRefused, PartnerUnavailable

T = TypeVar("T")
# told (partner id, outcome: "ok" or the failure code, seconds) after every call
CallObserver = Callable[[str, str, float], None]


@dataclass(frozen=True)
class PartnerCalls:
    """How the hub reaches partner CRMs: which connector, and how hard it tries."""

    directory: CrmDirectory
    attempts: int = 4
    first_backoff: float = 0.5
    max_backoff: float = 8.0
    observe: CallObserver | None = None

    async def call(self, partner: PartnerProfile, action: Callable[[PartnerCrm], Awaitable[T]]
                   ) -> T:
        """Run ``action`` on the partner's CRM; retry while it is unavailable, never on refusal."""
        started, outcome = time.perf_counter(), "failed"
        try:
            result = await self._retried(partner, action)
            outcome = "ok"
            return result
        except PartnerRefused as exc:
            outcome = exc.code
            raise
        except PartnerUnavailable:
            outcome = "partner.unavailable"
            raise
        finally:
            if self.observe is not None:
                self.observe(partner.partner_id, outcome, time.perf_counter() - started)

    async def _retried(self, partner: PartnerProfile,
                       action: Callable[[PartnerCrm], Awaitable[T]]) -> T:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential_jitter(multiplier=self.first_backoff, max=self.max_backoff,
                                         jitter=self.first_backoff),
            retry=retry_if_exception_type(PartnerUnavailable), reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await action(await self.directory.crm_for(partner))
        raise AssertionError("unreachable")  # pragma: no cover


def idempotency_key(operation: str, partner_id: str, message_id: str) -> str:
    """The key a partner deduplicates by: the same request message always gives the same key."""
    digest = hashlib.sha256(f"{operation}\n{partner_id}\n{message_id}".encode()).hexdigest()
    return f"hub-{operation}-{digest[:40]}"
