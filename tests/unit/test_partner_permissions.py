"""What a partner's RabbitMQ user may touch on its vhost, read from the permission regexes."""

import re

import pytest

from hub.delivery.partner_topology import partner_permissions, vhost_of, vhost_url

PERMISSIONS = partner_permissions()


def allowed(pattern: str, name: str) -> bool:
    return re.search(pattern, name) is not None


@pytest.mark.parametrize("name", ["hub.asi", "partner.inbound", "mine", "amq.gen-1"])
def test_a_partner_configures_nothing(name):
    assert not allowed(PERMISSIONS.configure, name)


@pytest.mark.parametrize("name, expected", [
    ("hub.asi", True), ("hub.asix", False), ("hub.dlx", False), ("hub.events", False),
    ("amq.default", False), ("partner.replies", False),
    ("asi.opportunity.transfer", False)])
def test_a_partner_writes_only_to_the_asi_exchange(name, expected):
    assert allowed(PERMISSIONS.write, name) is expected


@pytest.mark.parametrize("name, expected", [
    ("partner.replies", True), ("partner.inbound", True), ("partner.events", True),
    ("asi.opportunity.transfer", False), ("asi.order.submit", False),
    ("asi.opportunity.transfer.dlq", False), ("partner.repliesX", False),
    ("partner.eventsX", False), ("hub.asi", False), ("hub.partner.events", False)])
def test_a_partner_reads_only_its_replies_inbound_and_events_queues(name, expected):
    assert allowed(PERMISSIONS.read, name) is expected


@pytest.mark.parametrize("key, expected", [
    ("opportunity.transfer", True), ("opportunity.update", True), ("opportunity.query", True),
    ("lead.reply.0f3a9c", True), ("catalog.query", True), ("order.submit", True),
    ("order.get", True), ("asset.query", True), ("asset.delta", True),
    ("order.approve", False), ("catalog.sync", False), ("fulfilment.status", False),
    ("partner.alert", False), ("partner.user.assign", False), ("partner.approve", False),
    ("opportunity.transferX", False), ("lead.reply.", False), ("lead.reply.a.b", False),
    ("opportunity.*", False)])
def test_a_partner_publishes_only_its_operations_and_crm_answers(key, expected):
    assert PERMISSIONS.topic_exchange == "hub.asi"
    assert allowed(PERMISSIONS.topic_write, key) is expected


def test_each_partner_has_its_own_vhost_on_the_same_broker():
    assert vhost_of("comtel") == "partner.comtel"
    assert vhost_url("amqp://guest:guest@rabbit:5672/", "partner.comtel") == (
        "amqp://guest:guest@rabbit:5672/partner.comtel")
    assert vhost_url("amqp://u:p@rabbit/%2F", "partner.x") == "amqp://u:p@rabbit/partner.x"
