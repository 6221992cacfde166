"""Back-office checks through the hub: forwarded on hub.out, answered from the back office."""

import asyncio
import json
import os
import subprocess
import sys

import aio_pika
import pytest
from sqlalchemy import select

from hub.client import HubCaller
from hub.store.backoffice_tables import CreditCheckRow, PaymentAuthorizationRow
from simulators.backoffice import BackOfficeSimulator
from tests.support.factories import a_line, an_order
from tests.support.hubs import dead_letters, running_hub

pytestmark = pytest.mark.integration


def credit(amount: str = "500.00", account_id: str = "ACC-42", **extra) -> dict:
    return {"account_id": account_id, "amount": amount, "currency": "EUR", **extra}


async def test_credit_check_is_forwarded_answered_and_kept(hub, caller: HubCaller,
                                                           back_office: BackOfficeSimulator):
    reply = await caller.call("credit.check", credit(order_id="ORD-CC"), message_id="cc-1",
                              correlation_id="corr-cc")
    body = reply.json()

    assert reply.type == "credit.check.reply" and reply.correlation_id == "corr-cc"
    assert body["status"] == "accepted"
    result = body["result"]
    assert result["decision"] == "approved"
    assert (result["account_id"], result["amount"], result["currency"]) == (
        "ACC-42", "500.00", "EUR")
    assert result["check_id"].startswith("CC-") and result["valid_until"]
    [forwarded] = back_office.requests("credit.check")
    assert forwarded.message_id == "cc-1"
    assert json.loads(forwarded.body) == {"account_id": "ACC-42", "amount": "500.00",
                                          "currency": "EUR", "order_id": "ORD-CC"}
    async with hub.new_uow() as uow:
        kept = (await uow.session.execute(select(CreditCheckRow))).scalars().one()
        assert (kept.check_id, kept.decision, kept.account_id) == (
            result["check_id"], "approved", "ACC-42")


@pytest.mark.parametrize(("amount", "decision"), [("1200.00", "review"), ("9000", "declined")])
async def test_credit_over_the_limit_is_reviewed_or_declined(hub, caller, back_office,
                                                             amount, decision):
    result = (await caller.call("credit.check", credit(amount))).json()["result"]
    assert result["decision"] == decision
    assert "limit" in result["reason"]


async def test_the_same_credit_request_again_is_not_asked_twice(hub, caller, back_office):
    first = await caller.call("credit.check", credit(), message_id="cc-twice")
    second = await caller.call("credit.check", credit(), message_id="cc-twice")
    assert first.json() == second.json()
    assert len(back_office.requests("credit.check")) == 1


async def test_availability_per_line_with_dates(hub, caller, back_office):
    asked = {"items": [
        {"line_id": "1", "product_code": "PHONE-X", "quantity": 1},
        {"line_id": "2", "product_code": "ROUTER", "quantity": 1,
         "requested_date": "2026-11-30"}]}
    reply = (await caller.call("availability.check", asked)).json()
    assert reply["status"] == "ok"
    assert reply["result"]["lines"] == [
        {"line_id": "1", "product_code": "PHONE-X", "available_quantity": 2,
         "available_date": "2026-11-23"},
        {"line_id": "2", "product_code": "ROUTER", "available_quantity": 0,
         "available_date": "2026-12-03"}]


async def test_price_has_tax_per_line_shipping_and_total(hub, caller, back_office):
    order = an_order("ORD-PRICE", a_line("1", price={"one_time": "100.00", "recurring": "0"}),
                     a_line("2", product_code="BOOK", price={"one_time": "10.00",
                                                             "recurring": "0"}))
    reply = (await caller.call("price.calculate", {"order": order})).json()
    assert reply["status"] == "ok"
    assert reply["result"] == {"currency": "EUR",
                               "lines": [{"line_id": "1", "tax": "21.00"},
                                         {"line_id": "2", "tax": "0.90"}],
                               "tax_total": "21.90", "shipping": "0", "total": "131.90"}


@pytest.mark.parametrize(("token", "decision"), [("tok_visa_ok", "authorized"),
                                                 ("tok_declined", "declined")])
async def test_card_authorisation_is_kept_with_its_decision(hub, caller, back_office,
                                                            token, decision):
    asked = {"account_id": "ACC-42", "amount": "49.00", "currency": "EUR",
             "card_token": token, "order_id": "ORD-CARD"}
    reply = (await caller.call("payment.authorize", asked)).json()
    assert reply["status"] == "accepted"
    assert reply["result"]["decision"] == decision
    async with hub.new_uow() as uow:
        kept = (await uow.session.execute(select(PaymentAuthorizationRow))).scalars().one()
        assert (kept.authorization_id, kept.decision, kept.card_token) == (
            reply["result"]["authorization_id"], decision, token)


@pytest.mark.parametrize(("operation", "body", "code", "path"), [
    ("credit.check", credit(amount=500.0), "money.invalid", "amount"),
    ("credit.check", credit(amount="0"), "money.not_positive", "amount"),
    ("credit.check", credit(currency="euro"), "currency.invalid", "currency"),
    ("credit.check", {"amount": "1", "currency": "EUR"}, "request.field_missing", "account_id"),
    ("availability.check", {"items": []}, "request.field_invalid", "items"),
    ("availability.check", {"items": [{"line_id": "1", "product_code": "X", "quantity": 0}]},
     "line.quantity_invalid", "items[0].quantity"),
    ("availability.check", {"items": [{"line_id": "1", "product_code": "X", "quantity": 1},
                                      {"line_id": "1", "product_code": "Y", "quantity": 1}]},
     "line.duplicate_id", "items[0].line_id"),
    ("price.calculate", {"order": an_order("P", a_line("1", price={"one_time": "1,5"}))},
     "money.invalid", "order.items[0].price.one_time"),
    ("payment.authorize", {"account_id": "A", "amount": "1.00", "currency": "EUR"},
     "request.field_missing", "card_token"),
])
async def test_bad_requests_are_refused_with_code_and_path_and_never_forwarded(
        hub, caller, back_office, amqp_url, operation, body, code, path):
    reply = (await caller.call(operation, body)).json()
    assert reply["status"] == "rejected"
    assert (reply["errors"][0]["code"], reply["errors"][0]["path"]) == (code, path)
    assert back_office.requests(operation) == []
    [dead] = await dead_letters(amqp_url, operation)
    assert dead.headers["x-hub-error-code"] == code


async def test_an_unusable_answer_is_backoffice_invalid(hub, caller, back_office, amqp_url):
    back_office.garbled.add("credit.check")
    reply = (await caller.call("credit.check", credit())).json()
    assert reply["status"] == "rejected"
    assert {e["code"] for e in reply["errors"]} == {"backoffice.invalid"}


async def test_availability_for_other_lines_than_asked_is_backoffice_invalid(hub, caller,
                                                                             back_office):
    real = back_office.book.answer
    back_office.book.answer = lambda op, req: {"lines": real(op, req)["lines"][:1]}  # type: ignore[method-assign]
    asked = {"items": [{"line_id": "1", "product_code": "PHONE-X", "quantity": 1},
                       {"line_id": "2", "product_code": "ROUTER", "quantity": 1}]}
    reply = (await caller.call("availability.check", asked)).json()
    assert reply["errors"][0]["code"] == "backoffice.invalid"


async def test_a_refusal_by_the_back_office_comes_through_with_its_code(hub, caller,
                                                                       back_office):
    back_office.book.answer = lambda op, req: {  # type: ignore[method-assign]
        "error": {"code": "credit.account_blocked", "message": "account is blocked"}}
    reply = (await caller.call("credit.check", credit())).json()
    assert reply["status"] == "rejected"
    assert reply["errors"][0] == {"code": "credit.account_blocked", "path": None,
                                  "message": "account is blocked"}


async def test_no_back_office_listening_is_backoffice_unavailable(hub, caller):
    reply = (await caller.call("credit.check", credit())).json()
    assert reply["status"] == "rejected"
    assert reply["errors"][0]["code"] == "backoffice.unavailable"


async def test_a_silent_back_office_times_out_without_leaking_waits_or_tasks(
        settings, caller, back_office, amqp_url):
    back_office.silent.add("credit.check")
    quick = settings.model_copy(update={"backoffice_timeout": 0.5})
    async with running_hub(quick) as worker:
        before = len(asyncio.all_tasks())
        replies = await asyncio.gather(*(
            caller.call("credit.check", credit(), timeout=60) for _ in range(50)))
        assert {r.json()["errors"][0]["code"] for r in replies} == {"backoffice.unavailable"}
        assert worker.back_office.in_flight == 0
        assert len(asyncio.all_tasks()) <= before
        # the answers arrive after all: nobody waits for them, they are dropped and counted
        for seen in back_office.requests("credit.check")[:3]:
            await _answer_late(amqp_url, worker.back_office.reply_queue, seen.correlation_id)
        for _ in range(100):
            if worker.back_office.dropped_answers == 3:
                break
            await asyncio.sleep(0.05)
        assert worker.back_office.dropped_answers == 3
        assert b"hub_backoffice_dropped_answers_total 3.0" in worker.metrics.exposition()
        back_office.silent.clear()
        assert (await caller.call("credit.check", credit())).json()["status"] == "accepted"


async def _answer_late(amqp_url: str, reply_queue: str, correlation_id: str | None) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        await channel.default_exchange.publish(aio_pika.Message(
            b'{"decision": "approved"}', correlation_id=correlation_id), routing_key=reply_queue)


async def test_many_calls_wait_on_the_back_office_at_once(settings, caller, back_office):
    back_office.silent.add("credit.check")
    slow = settings.model_copy(update={"backoffice_timeout": 30.0})
    async with running_hub(slow) as worker:
        calls = [asyncio.create_task(caller.call("credit.check", credit(), timeout=60))
                 for _ in range(220)]
        for _ in range(600):
            if worker.back_office.in_flight >= 220:
                break
            await asyncio.sleep(0.05)
        assert worker.back_office.in_flight == 220
        back_office.silent.clear()
        for seen in back_office.requests("credit.check"):
            await _answer_late(settings.amqp_url, worker.back_office.reply_queue,
                               seen.correlation_id)
        replies = await asyncio.gather(*calls)
    assert {r.json()["status"] for r in replies} == {"accepted"}


async def test_a_hub_that_dies_while_waiting_leaves_the_request_to_be_forwarded_again(
        settings, caller, back_office):
    back_office.silent.add("credit.check")
    env = {**os.environ, "AMQP_URL": settings.amqp_url, "DATABASE_URL": settings.database_url,
           "HUB_BACKOFFICE_TIMEOUT": "120", "HUB_HTTP_ADDR": "127.0.0.1:0"}
    worker = subprocess.Popen([sys.executable, "-m", "hub.cli", "run"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        call = asyncio.create_task(caller.call("credit.check", credit(), message_id="cc-crash",
                                               timeout=120))
        for _ in range(1200):
            if back_office.requests("credit.check"):
                break
            await asyncio.sleep(0.05)
        [first] = back_office.requests("credit.check")
    finally:
        worker.kill()  # no goodbye: the request was never acknowledged
        worker.wait()
    back_office.silent.clear()
    async with running_hub(settings):
        reply = await call
    again = [s for s in back_office.requests("credit.check") if s is not first]
    assert reply.json()["status"] == "accepted"
    assert [s.message_id for s in again] == ["cc-crash"] and first.message_id == "cc-crash"
