"""``hub partner ...``: the channel manager's and operator's commands for partners.

register/approve/suspend run the same use cases as the ASIs, straight on the database; their
``partner.status_changed`` events wait in the outbox until a running hub publishes them.
"""

import asyncio
import secrets
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from hub.canonical.partners import (
    PartnerApproval,
    PartnerRegistration,
    PartnerSuspension,
    PartnerUserAssignment,
    PartnerUserRemoval,
)
from hub.canonical.replies import Reply
from hub.errors import Rejected
from hub.interfaces.partners.registry import (
    approve_partner,
    list_partners,
    register_partner,
    suspend_partner,
)
from hub.interfaces.partners.users import assign_user, list_users, remove_user
from hub.interfaces.request import Request
from hub.routes.policy import errors_of
from hub.settings import Settings
from hub.store import migrations
from hub.store.database import open_database
from hub.store.unit_of_work import UnitOfWork

partner_app = typer.Typer(help="Partners: register, approve, suspend, list, provision.",
                          no_args_is_help=True)
M = TypeVar("M", bound=BaseModel)
UseCase = Callable[[Request, UnitOfWork], Awaitable[Reply]]
Accounts = Annotated[list[str] | None, typer.Option(help="An account of the partner (repeat).")]


@partner_app.command("register")
def register(
    partner_id: str, name: str = typer.Option(..., help="The partner's company name."),
    kind: str = typer.Option("amqp", help="Connector: amqp or soap."),
    address: str = typer.Option(None, help="SOAP endpoint of the partner's CRM."),
    username: str = typer.Option(None, help="SOAP WS-Security user."),
    secret_ref: str = typer.Option(None, help="Name of the password in HUB_PARTNER_SECRETS."),
    vocabulary: str = typer.Option(None, help="salesforce or odoo (default: by connector)."),
    account: Accounts = None,
    own_account: str = typer.Option(None, help="The partner's own account (its stock)."),
) -> None:
    """Record a partner's application."""
    connector = {"kind": kind, "address": address, "username": username,
                 "secret_ref": secret_ref}
    registration = _parsed(
        PartnerRegistration, partner_id=partner_id, name=name, vocabulary=vocabulary,
        accounts=account or [], own_account_id=own_account,
        connector={k: v for k, v in connector.items() if v is not None})
    _run("partner.register", lambda r, uow: register_partner(registration, r, uow))


@partner_app.command("approve")
def approve(partner_id: str,
            account: Accounts = None,
            approver: str = typer.Option(None, help="Who decided."),
            own_account: str = typer.Option(None, help="The partner's own account.")) -> None:
    """Serve the partner from now on."""
    approval = _parsed(PartnerApproval, partner_id=partner_id, accounts=account or [],
                       approver=approver, own_account_id=own_account)
    _run("partner.approve", lambda r, uow: approve_partner(approval, r, uow))


@partner_app.command("suspend")
def suspend(partner_id: str, reason: str = typer.Option(None, help="Why.")) -> None:
    """Stop serving the partner."""
    suspension = _parsed(PartnerSuspension, partner_id=partner_id, reason=reason)
    _run("partner.suspend", lambda r, uow: suspend_partner(suspension, r, uow))


@partner_app.command("list")
def list_() -> None:
    """Every partner with its status, connector, vhost and accounts."""
    for p in asyncio.run(_with_uow(lambda uow: list_partners(uow))):
        typer.echo(f"{p.partner_id}\t{p.status}\t{p.connector.kind}/{p.vocabulary}\t"
                   f"{p.vhost or '-'}\t{','.join(p.accounts) or '-'}\t{p.name}")


@partner_app.command("provision")
def provision(partner_id: str,
              password: str = typer.Option(None, help="The partner user's password "
                                           "(default: a new random one, printed once)."),
              keep_password: bool = typer.Option(False, help="Upgrade a provisioned partner "
                                                 "and keep its user's password.")) -> None:
    """Create the partner's vhost, user, least-privilege permissions and queues on RabbitMQ.

    Run again on a provisioned partner, it grants what this hub version adds and declares
    its new queues; the queues it has and the messages waiting in them stay.
    """
    from connectors.rabbitmq_admin import ProvisioningFailed
    from hub.bootstrap import provision_partner
    from hub.delivery.partner_topology import vhost_url

    settings = Settings()
    chosen = None if keep_password else password or secrets.token_urlsafe(24)
    asyncio.run(migrations.upgrade(settings.database_url))
    try:
        vhost = asyncio.run(provision_partner(settings, partner_id, chosen))
    except Rejected as refused:
        typer.echo(f"refused: {refused}", err=True)
        raise typer.Exit(1) from None
    except ProvisioningFailed as failed:
        typer.echo(f"failed: {failed}", err=True)
        raise typer.Exit(2) from None
    url = vhost_url(settings.amqp_url, vhost).split("@", 1)[-1]
    typer.echo(f"partner {partner_id}: vhost {vhost}, user {partner_id}")
    if keep_password:
        typer.echo("password unchanged")
    elif password is None:
        typer.echo(f"password (shown once): {chosen}")
    typer.echo(f"the partner connects to amqp://{partner_id}:<password>@{url}")


@partner_app.command("soap-credentials")
def soap_credentials(
    partner_id: str,
    username: str = typer.Option(..., help="The WS-Security user the partner calls as."),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Read the password from standard input "
                                        "(default: a new random one, printed once)."),
) -> None:
    """Let the partner call the hub's SOAP endpoint; its password is sealed with HUB_SECRET_KEY."""
    from hub.interfaces.partners.soap_identity import set_soap_credentials
    from hub.sealed_secrets import SealedSecrets, SecretKeyInvalid

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else secrets.token_urlsafe(24)
    try:
        sealer = SealedSecrets(Settings().secret_key)
        asyncio.run(_with_uow(lambda uow: set_soap_credentials(uow, partner_id, username,
                                                               password, sealer)))
    except SecretKeyInvalid as invalid:
        typer.echo(f"refused: {invalid}", err=True)
        raise typer.Exit(1) from None
    except Rejected as refused:
        for e in refused.errors:
            typer.echo(f"refused: {e.code}: {e.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"partner {partner_id} calls the SOAP endpoint as {username}")
    if not password_stdin:
        typer.echo(f"password (shown once): {password}")


@partner_app.command("secret-key")
def secret_key() -> None:
    """Print a new key for HUB_SECRET_KEY (put it first; keep older keys after it a while)."""
    from hub.sealed_secrets import new_key

    typer.echo(new_key())
user_app = typer.Typer(help="A partner's employees: power or standard users.",
                       no_args_is_help=True)
partner_app.add_typer(user_app, name="user")


@user_app.command("assign")
def user_assign(partner_id: str, user_id: str,
                user_type: str = typer.Option(..., "--type", help="power or standard."),
                name: str = typer.Option(None, help="The employee's name.")) -> None:
    """Let an employee act on the partner's vhost (again, or with another user type)."""
    assignment = _parsed(PartnerUserAssignment, partner_id=partner_id, user_id=user_id,
                         user_type=user_type, name=name)
    reply = _answer("partner.user.assign", lambda r, uow: assign_user(assignment, r, uow))
    typer.echo(f"{partner_id}/{user_id}: {reply.result['user_type']}")


@user_app.command("remove")
def user_remove(partner_id: str, user_id: str) -> None:
    """The employee may no longer act for the partner."""
    removal = _parsed(PartnerUserRemoval, partner_id=partner_id, user_id=user_id)
    _answer("partner.user.remove", lambda r, uow: remove_user(removal, r, uow))
    typer.echo(f"{partner_id}/{user_id}: removed")


@user_app.command("list")
def user_list(partner_id: str) -> None:
    """The partner's employees and their user types."""
    try:
        users = asyncio.run(_with_uow(lambda uow: list_users(uow, partner_id)))
    except Rejected as refused:
        typer.echo(f"refused: {refused}", err=True)
        raise typer.Exit(1) from None
    for user in users:
        typer.echo(f"{user.user_id}\t{user.user_type}\t{user.name or '-'}")


def _parsed(model: type[M], **fields: Any) -> M:
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        for e in errors_of(exc):
            typer.echo(f"refused: {e.code}: {e.message}" + (f" ({e.path})" if e.path else ""),
                       err=True)
        raise typer.Exit(1) from None


def _run(operation: str, use_case: UseCase) -> None:
    reply = _answer(operation, use_case)
    typer.echo(f"{reply.result['partner_id']}: {reply.result['status']}")


def _answer(operation: str, use_case: UseCase) -> Reply:
    """Run the use case as the ASI would; a refusal is printed and ends the command."""
    request = Request(operation=operation, message_id=f"cli-{uuid.uuid4()}")
    reply = asyncio.run(_with_uow(lambda uow: use_case(request, uow)))
    if reply.rejected:
        for e in reply.errors:
            typer.echo(f"refused: {e.code}: {e.message}", err=True)
        raise typer.Exit(1)
    return reply


async def _with_uow(action: Callable[[UnitOfWork], Awaitable]):  # type: ignore[no-untyped-def]
    settings = Settings()
    await migrations.upgrade(settings.database_url)
    database = open_database(settings.database_url)
    try:
        return await action(UnitOfWork(database, lambda _: None))
    finally:
        await database.dispose()
