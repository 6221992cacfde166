"""Creating a partner's vhost, user and permissions on RabbitMQ with ``rabbitmqctl``.

The broker here has no management plugin, so this runs ``rabbitmqctl`` on the broker's host
(as a user allowed to, usually root or rabbitmq). Every step is safe to repeat. Passwords
travel on standard input, never on the command line where ``ps`` would show them.
"""

import asyncio
import logging
import shutil
from dataclasses import dataclass
from urllib.parse import urlsplit

from faststream.rabbit import RabbitBroker

from hub.delivery.partner_topology import (
    Permissions,
    declare_partner_topology,
    partner_permissions,
    vhost_of,
    vhost_url,
)
from hub.delivery.topology import QueuePolicy, broker_has_quorum_queues
from hub.interfaces.ports import BrokerAdmin
from hub.settings import Settings

log = logging.getLogger("hub.provision")


class ProvisioningFailed(RuntimeError):
    """``rabbitmqctl`` is missing or refused a step; the message says which."""


@dataclass(frozen=True)
class PartnerAccess:
    """What a partner gets on the broker: its vhost, its user, and what that user may do."""

    vhost: str
    username: str
    permissions: Permissions
    admin_username: str


class RabbitmqBrokerAdmin(BrokerAdmin):
    """The broker admin port with ``rabbitmqctl`` on this host and the hub's own AMQP user."""

    def __init__(self, settings: Settings, rabbitmqctl: str = "rabbitmqctl") -> None:
        self._settings = settings
        self._rabbitmqctl = rabbitmqctl

    async def open_partner_vhost(self, partner_id: str, password: str | None) -> str:
        access = partner_access(self._settings, partner_id)
        await grant(access, password, self._rabbitmqctl)
        await declare_queues(self._settings, access.vhost)
        log.info("partner %s provisioned on %s", partner_id, access.vhost)
        return access.vhost


def partner_access(settings: Settings, partner_id: str) -> PartnerAccess:
    """What ``partner_id`` gets on the broker; the hub's own user is the one in ``AMQP_URL``."""
    admin = urlsplit(settings.amqp_url).username or "guest"
    return PartnerAccess(vhost=vhost_of(partner_id), username=partner_id,
                         permissions=partner_permissions(), admin_username=admin)


async def declare_queues(settings: Settings, vhost: str) -> None:
    """Declare the partner-side topology in ``vhost`` as the hub's own user."""
    broker = RabbitBroker(vhost_url(settings.amqp_url, vhost), log_level=logging.DEBUG)
    try:
        connection = await broker.connect()
        version = connection.transport.connection.server_properties["version"]
        text = str(version, "utf-8") if isinstance(version, bytes) else str(version)
        await declare_partner_topology(broker, QueuePolicy(quorum=broker_has_quorum_queues(text)))
    finally:
        await broker.stop()


async def grant(access: PartnerAccess, password: str | None, rabbitmqctl: str = "rabbitmqctl"
                ) -> None:
    """Create or update the vhost, the partner user and its permissions, and admit the hub.

    Queues already in the vhost and what waits in them are left as they are; ``password``
    None keeps an existing user's password (an upgrade of a partner already connected).
    """
    if shutil.which(rabbitmqctl) is None:
        raise ProvisioningFailed(f"{rabbitmqctl} not found: run this on the broker's host")
    ctl = _Ctl(rabbitmqctl)
    if access.vhost not in await ctl.names("list_vhosts"):
        await ctl.run("add_vhost", access.vhost)
    if access.username in await ctl.names("list_users"):
        if password is not None:
            await ctl.run("change_password", access.username, stdin=password)
    elif password is None:
        raise ProvisioningFailed(f"user {access.username} does not exist yet: give it a password")
    else:
        await ctl.run("add_user", access.username, stdin=password)
    p = access.permissions
    await ctl.run("set_permissions", "-p", access.vhost, access.username,
                  p.configure, p.write, p.read)
    await ctl.run("set_topic_permissions", "-p", access.vhost, access.username,
                  p.topic_exchange, p.topic_write, p.topic_read)
    # the hub itself consumes and declares there with its own (administrator) user
    await ctl.run("set_permissions", "-p", access.vhost, access.admin_username, ".*", ".*", ".*")


async def revoke(access: PartnerAccess, rabbitmqctl: str = "rabbitmqctl") -> None:
    """Delete the partner's user and vhost with everything in it."""
    ctl = _Ctl(rabbitmqctl)
    if access.username in await ctl.names("list_users"):
        await ctl.run("delete_user", access.username)
    if access.vhost in await ctl.names("list_vhosts"):
        await ctl.run("delete_vhost", access.vhost)


@dataclass(frozen=True)
class _Ctl:
    executable: str

    async def run(self, *args: str, stdin: str | None = None) -> str:
        process = await asyncio.create_subprocess_exec(
            self.executable, "--quiet", *args, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await process.communicate(None if stdin is None else stdin.encode() + b"\n")
        if process.returncode != 0:
            raise ProvisioningFailed(f"rabbitmqctl {args[0]} failed: "
                                     f"{(err or out).decode(errors='replace').strip()}")
        log.info("rabbitmqctl %s done", args[0])
        return out.decode()

    async def names(self, command: str) -> set[str]:
        """The first column of a ``list_*`` command: the vhost or user names."""
        lines = (await self.run(command, "--no-table-headers")).splitlines()
        return {line.split("\t")[0].strip() for line in lines if line.strip()}
