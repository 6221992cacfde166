"""The baseline of an opportunity transfer: raw aio-pika doing the hub's hop, and nothing else.

Consume one request, make the same partner call through the same connector (zeep over HTTP to
the SOAP simulator, or a JSON lead to the AMQP partner on its vhost), publish the reply and one
event, persistent with publisher confirms, then ack. No validation beyond parsing, no database.
Usage: ``python -m bench.raw_transfer_hop soap|amqp PARTNER_ID [SOAP_ADDRESS PASSWORD]``.
"""

import asyncio
import json
import os
import sys

import aio_pika

from connectors.amqp_partner import AmqpPartnerCrm
from connectors.soap_partner import DEFAULT_WSDL, SoapPartnerCrm
from hub.canonical.opportunities import Opportunity
from hub.delivery.partner_topology import vhost_of, vhost_url
from hub.interfaces.ports import PartnerCrm
from hub.mappers.vocabularies import SALESFORCE

EXCHANGE = "bench.raw"
QUEUE = "bench.raw.transfer"


async def partner_crm(kind: str, partner_id: str, amqp_url: str, args: list[str]) -> PartnerCrm:
    if kind == "soap":
        address, password = args
        return await SoapPartnerCrm.load(DEFAULT_WSDL, address, "hub", password, 10.0,
                                         partner_id=partner_id)
    return await AmqpPartnerCrm(vhost_url(amqp_url, vhost_of(partner_id)), partner_id,
                                SALESFORCE, 10.0).start()


async def serve(amqp_url: str, kind: str, partner_id: str, args: list[str]) -> None:
    crm = await partner_crm(kind, partner_id, amqp_url, args)
    connection = await aio_pika.connect_robust(amqp_url)
    channel = await connection.channel(publisher_confirms=True)
    await channel.set_qos(prefetch_count=128)
    exchange = await channel.declare_exchange(EXCHANGE, aio_pika.ExchangeType.TOPIC,
                                              durable=True)
    queue = await channel.declare_queue(QUEUE, durable=True,
                                        arguments={"x-queue-type": "quorum"})
    await queue.bind(exchange, "opportunity.transfer")

    async def handle(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        request = json.loads(message.body)
        opportunity = Opportunity.model_validate(request["opportunity"])
        lead_id = await crm.create_lead(opportunity, message.message_id or "")
        result = json.dumps({"opportunity_id": opportunity.opportunity_id,
                             "transfer_status": "transfer_successful",
                             "external_id": lead_id}).encode()
        await asyncio.gather(
            exchange.publish(aio_pika.Message(result, correlation_id=message.correlation_id,
                                              delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                             routing_key="opportunity.transfer_status"),
            channel.default_exchange.publish(
                aio_pika.Message(result, correlation_id=message.correlation_id,
                                 delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key=message.reply_to or ""))
        await message.ack()

    await queue.consume(handle)
    print("ready", flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(serve(os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),
                      sys.argv[1], sys.argv[2], sys.argv[3:]))
