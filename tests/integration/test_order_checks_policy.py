"""The order policy relies only on checks the hub issued; card numbers leave no trace anywhere."""

import logging
from pathlib import Path

import pytest

from hub.client import HubCaller
from tests.support.factories import a_line, an_order
from tests.support.hubs import dead_letters, running_hub

pytestmark = pytest.mark.integration
VISA = "4111111111111111"


def big_order(order_id: str, **overrides) -> dict:
    return an_order(order_id, a_line("1", price={"one_time": "800.00", "recurring": "0"}),
                    **overrides)


async def credit_check(caller: HubCaller, amount: str, account_id: str = "ACC-42") -> str:
    reply = await caller.call("credit.check", {"account_id": account_id, "amount": amount,
                                               "currency": "EUR"})
    assert reply.json()["status"] == "accepted", reply.json()
    return reply.json()["result"]["check_id"]


@pytest.fixture
async def credit_hub(settings):
    async with running_hub(settings.model_copy(update={"credit_check_above": 500})) as hub:
        yield hub


async def test_an_order_over_the_credit_limit_without_a_check_is_held_for_credit_review(
        credit_hub, caller, back_office):
    reply = (await caller.call("order.submit", big_order("ORD-NOCHECK"))).json()
    assert reply["result"] == {"order_id": "ORD-NOCHECK", "revision": 1, "status": "held",
                               "hold_reason": "credit_review"}
    [held] = await caller.wait_for("order.approval_requested", order_id="ORD-NOCHECK")
    assert held.json()["data"]["hold_reason"] == "credit_review"
    approved = await caller.call("order.approve", {"order_id": "ORD-NOCHECK", "revision": 1,
                                                   "decision": "approve", "approver": "sam"})
    assert approved.json()["result"]["status"] == "acknowledged"
    await caller.wait_for("order.accepted", order_id="ORD-NOCHECK")


async def test_an_approved_check_covering_the_order_lets_it_through(credit_hub, caller,
                                                                    back_office):
    check_id = await credit_check(caller, "900.00")
    reply = (await caller.call("order.submit", big_order("ORD-CHECKED",
                                                         credit_check_id=check_id))).json()
    assert reply["status"] == "accepted", reply["errors"]
    assert reply["result"]["status"] == "acknowledged"


@pytest.mark.parametrize(("amount", "account"), [("700.00", "ACC-42"),     # too little
                                                 ("1400.00", "ACC-42"),    # review, not approved
                                                 ("90.00", "ACC-POOR")])  # another account
async def test_a_check_that_does_not_cover_the_order_holds_it(credit_hub, caller, back_office,
                                                              amount, account):
    check_id = await credit_check(caller, amount, account)
    reply = (await caller.call("order.submit", big_order(f"ORD-{amount}-{account}",
                                                         credit_check_id=check_id))).json()
    assert (reply["result"]["status"], reply["result"]["hold_reason"]) == ("held",
                                                                          "credit_review")


async def test_an_unknown_check_holds_the_order(credit_hub, caller):
    reply = (await caller.call("order.submit", big_order("ORD-FAKE",
                                                         credit_check_id="CC-MADE-UP"))).json()
    assert reply["result"]["hold_reason"] == "credit_review"


async def authorize(caller: HubCaller, amount: str, token: str = "tok_ok") -> str:
    reply = await caller.call("payment.authorize", {
        "account_id": "ACC-42", "amount": amount, "currency": "EUR", "card_token": token})
    return reply.json()["result"]["authorization_id"]


def card_order(order_id: str, authorization_id: str | None) -> dict:
    payment = {"method": "card"} | ({"authorization_id": authorization_id}
                                    if authorization_id else {})
    return an_order(order_id, a_line("1", price={"one_time": "49.00", "recurring": "19.99"}),
                    payment=payment)


async def test_a_card_order_needs_an_authorisation_covering_its_one_time_total(
        hub, caller, back_office):
    enough = await authorize(caller, "49.00")
    too_little = await authorize(caller, "48.99")
    declined = await authorize(caller, "49.00", token="tok_declined")
    for order_id, authorization in (("ORD-C1", None), ("ORD-C2", too_little),
                                    ("ORD-C3", declined), ("ORD-C4", "AU-MADE-UP")):
        reply = (await caller.call("order.submit", card_order(order_id, authorization))).json()
        assert reply["status"] == "rejected", order_id
        assert (reply["errors"][0]["code"], reply["errors"][0]["path"]) == (
            "payment.authorization_missing", "payment.authorization_id")
    accepted = (await caller.call("order.submit", card_order("ORD-C5", enough))).json()
    assert accepted["result"]["status"] == "acknowledged"
    # one authorisation pays for one order
    again = (await caller.call("order.submit", card_order("ORD-C6", enough))).json()
    assert again["errors"][0]["code"] == "payment.authorization_missing"
    assert "ORD-C5" in again["errors"][0]["message"]


async def test_a_card_number_is_refused_and_found_nowhere(settings, caller, back_office,
                                                          amqp_url, caplog, tmp_path):
    # the hub's own loggers at DEBUG, everything else as an operator runs it (INFO); the AMQP
    # client library's DEBUG frame dumps print every body, the test's own requests included
    log_file = tmp_path / "hub.log"
    handler = logging.FileHandler(log_file)
    logging.getLogger().addHandler(handler)
    caplog.set_level(logging.INFO)
    for name in ("hub", "faststream", "connectors"):
        caplog.set_level(logging.DEBUG, logger=name)
    try:
        async with running_hub(settings):
            as_token = {"account_id": "ACC-42", "amount": "49.00", "currency": "EUR",
                        "card_token": VISA}
            hidden = {"account_id": "ACC-42", "amount": "49.00", "currency": "EUR",
                      "card_token": "tok_ok", "note": "card 4111 1111 1111 1111"}
            replies = [(await caller.call("payment.authorize", body,
                                          message_id=f"pan-{n}")).json()
                       for n, body in enumerate((as_token, hidden))]
            # a resend of the same message gets the same refusal, still without the digits
            replies.append((await caller.call("payment.authorize", as_token,
                                              message_id="pan-0")).json())
            dead = await dead_letters(amqp_url, "payment.authorize")
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()

    assert [(r["status"], r["errors"][0]["code"], r["errors"][0]["path"]) for r in replies] == [
        ("rejected", "payment.card_number_forbidden", "card_token"),
        ("rejected", "payment.card_number_forbidden", "note"),
        ("rejected", "payment.card_number_forbidden", "card_token")]
    assert back_office.requests("payment.authorize") == []
    # the resend is dead-lettered again, masked like the first
    assert [m.headers["x-hub-error-code"] for m in dead] == ["payment.card_number_forbidden"] * 3
    assert b"************1111" in dead[0].body
    traces = {"caplog": caplog.text, "log file": log_file.read_text(),
              "dead letters": b"".join(m.body + str(m.headers).encode() for m in dead).decode(),
              "replies": str(replies), "database": await _database_text(settings.database_url)}
    for where, text in traces.items():
        for spelling in (VISA, "4111 1111 1111 1111"):
            assert spelling not in text, f"the card number is in the {where}"


async def _database_text(database_url: str) -> str:
    """Everything the database holds: the SQLite files byte by byte, or every PostgreSQL row."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.split(":///", 1)[1])
        return "".join(p.read_bytes().decode("latin-1")
                       for p in path.parent.glob(f"{path.name}*"))
    import asyncpg

    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        tables = [r["tablename"] for r in await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return "\n".join([str(await connection.fetch(f'SELECT * FROM "{t}"')) for t in tables])
    finally:
        await connection.close()
