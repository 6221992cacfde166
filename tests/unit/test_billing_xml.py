"""Billing XML: schema-valid output, exact round trips, golden documents and hostile input."""

import os
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from hub.canonical.changes import FieldChange, LineChange, RevisionChanges
from hub.canonical.orders import ACTIONS, Order, OrderItem, Price
from hub.errors import Rejected
from hub.hardened_xml import MAX_XML_BYTES, UnsafeXml
from hub.mappers.billing_xml import (
    NAMESPACE,
    SCHEMAS_DIR,
    AssetChangeDoc,
    BillingXmlInvalid,
    BillingXmlNotProduced,
    asset_changes_to_billing_xml,
    billing_xml_to_changes,
    billing_xml_to_order,
    order_to_billing_xml,
)
from tests.support import strategies

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden" / "billing"
SUBMITTED_AT = datetime(2025, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=1)))


def a_line(**overrides: Any) -> OrderItem:
    fields: dict[str, Any] = {
        "line_id": "L1",
        "action": "add",
        "product_code": "FIBRE-1G",
        "product_name": "Fibre 1 Gbit/s",
        "attributes": {"speed_mbps": 1000, "static_ip": True},
        "price": Price(one_time="49.90", recurring="39.99"),
    }
    return OrderItem(**(fields | overrides))


def an_order(**overrides: Any) -> Order:
    fields: dict[str, Any] = {
        "order_id": "ORD-1001",
        "account_id": "ACC-42",
        "currency": "EUR",
        "submitted_at": SUBMITTED_AT,
        "items": [a_line()],
    }
    return Order(**(fields | overrides))


def a_revision() -> Order:
    return an_order(
        revision=2,
        kind="revision",
        partner_id="PARTNER-7",
        customer_email="jane.doe@example.com",
        quote_id="Q-77",
        opportunity_id="OPP-5",
        requested_date="2025-03-15",
        billing_account_id="BA-42",
        items=[
            a_line(
                action="update",
                asset_id="AST-9",
                service_account_id="SA-SITE-2",
                promised_date="2025-03-20",
                attributes={"speed_mbps": 2000, "static_ip": True},
                old_attributes={"speed_mbps": 1000, "static_ip": True},
            ),
            a_line(
                line_id="L2",
                parent_line_id="L1",
                product_code="ROUTER",
                product_name="Wi-Fi 7 router — Glasfaser",
                trackable=False,
                quantity=2,
                attributes={"colour": "white", "ratio": 0.5, "serial": None},
                price=Price(one_time="0", recurring="3.5000", currency="EUR"),
            ),
        ],
    )


def revision_changes() -> RevisionChanges:
    return RevisionChanges(
        added=["L2"],
        removed=["L3"],
        changed=[
            LineChange(
                line_id="L1",
                fields=[
                    FieldChange(field="attributes.speed_mbps", old=1000, new=2000),
                    FieldChange(field="price.recurring", old=Decimal("29.99"), new="39.99"),
                    FieldChange(field="attributes.note", old=None, new="upgrade"),
                ],
            )
        ],
    )


def asset_changes() -> list[AssetChangeDoc]:
    return [
        AssetChangeDoc(
            kind="updated",
            asset_id="AST-9",
            product_code="FIBRE-1G",
            attributes={"speed_mbps": 2000, "static_ip": True},
            old_attributes={"speed_mbps": 1000, "static_ip": True},
        ),
        AssetChangeDoc(
            kind="created",
            asset_id="AST-10",
            parent_asset_id="AST-9",
            product_code="ROUTER",
            quantity=2,
            attributes={"colour": "white", "serial": None},
            start_date=date(2025, 3, 20),
            billing_account_id="BA-42",
            service_account_id="SA-SITE-2",
        ),
    ]


def as_billed(order: Order) -> Order:
    """The order as billing reads it back: every account named, the order's where none was."""
    return order.model_copy(update={
        "billing_account_id": order.billing_account(),
        "service_account_id": order.service_account(),
        "items": order.items_with_accounts()})


def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS_DIR / "billing" / name)))


def assert_valid(document: bytes, schema_name: str) -> None:
    validator = schema(schema_name)
    assert validator.validate(etree.fromstring(document)), validator.error_log


def differences(expected: etree._Element, actual: etree._Element, here: str = "") -> list[str]:
    """Every node where two trees differ, ignoring indentation between elements."""
    here = here or etree.QName(expected).localname
    if expected.tag != actual.tag:
        return [f"{here}: found {actual.tag}"]
    found = []
    if dict(expected.attrib) != dict(actual.attrib):
        found.append(f"{here}: attributes {dict(actual.attrib)} != {dict(expected.attrib)}")
    if content(expected) != content(actual):
        found.append(f"{here}: text {content(actual)!r} != {content(expected)!r}")
    if len(expected) != len(actual):
        found.append(f"{here}: {len(actual)} children != {len(expected)}")
    for index, (want, got) in enumerate(zip(expected, actual, strict=False)):
        found += differences(want, got, f"{here}/{etree.QName(want).localname}[{index}]")
    return found


def content(element: etree._Element) -> str:
    text = element.text or ""
    return text.strip() if len(element) else text


def assert_matches_golden(name: str, produced: bytes) -> None:
    path = GOLDEN_DIR / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(produced)
    expected = etree.fromstring(path.read_bytes())
    assert differences(expected, etree.fromstring(produced)) == []


def edited(document: bytes, old: str, new: str) -> bytes:
    assert old.encode() in document, f"{old!r} is not in the document"
    return document.replace(old.encode(), new.encode(), 1)


# -- produced documents are schema-valid ----------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(lambda: order_to_billing_xml(an_order()), id="new order"),
        pytest.param(lambda: order_to_billing_xml(an_order(items=[])), id="order without lines"),
        pytest.param(lambda: order_to_billing_xml(a_revision(), revision_changes()), id="revision"),
        pytest.param(
            lambda: order_to_billing_xml(a_revision(), RevisionChanges()), id="empty changes"
        ),
    ],
)
def test_billing_order_documents_validate_against_the_order_schema(document: Any) -> None:
    assert_valid(document(), "order.xsd")


def test_asset_change_documents_validate_against_the_asset_schema() -> None:
    assert_valid(
        asset_changes_to_billing_xml("ACC-42", "ORD-1001", 2, asset_changes()), "asset.xsd"
    )


def test_documents_are_utf8_with_an_xml_declaration_in_the_billing_namespace() -> None:
    document = order_to_billing_xml(a_revision())
    assert document.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert etree.fromstring(document).tag == f"{{{NAMESPACE}}}BillingOrder"
    assert "router — Glasfaser".encode() in document  # UTF-8, not character references


@pytest.mark.parametrize("name", ["order.xsd", "asset.xsd"])
def test_schemas_admit_no_wildcards(name: str) -> None:
    text = (SCHEMAS_DIR / "billing" / name).read_text()
    assert "xs:any" not in text and "anyAttribute" not in text


# -- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(an_order(), id="new order"),
        pytest.param(an_order(items=[]), id="no lines"),
        pytest.param(a_revision(), id="revision with every optional field"),
        pytest.param(an_order(kind="cancel", items=[a_line(action="delete")]), id="cancel"),
        pytest.param(
            an_order(
                items=[
                    a_line(
                        product_name="  café\tΩ 𝄞\r\n ",
                        attributes={
                            "": "",
                            "flag": False,
                            "zero": 0,
                            "neg": -17,
                            "big": 2**63 - 1,
                            "tiny": 5e-324,
                            "huge": 1.7976931348623157e308,
                            "nothing": None,
                            "looks like a number": "42",
                            "spaces": "  ",
                            "名前": "値 <&> \"'",
                        },
                        old_attributes={},
                    )
                ]
            ),
            id="awkward attribute values",
        ),
    ],
)
def test_billing_xml_maps_back_to_the_same_order(order: Order) -> None:
    assert billing_xml_to_order(order_to_billing_xml(order, revision_changes())) == as_billed(
        order)


def test_change_summary_maps_back_to_the_same_changes() -> None:
    document = order_to_billing_xml(a_revision(), revision_changes())
    assert billing_xml_to_changes(document) == revision_changes()


def test_an_order_without_a_change_summary_has_no_changes() -> None:
    assert billing_xml_to_changes(order_to_billing_xml(an_order())) is None


def test_attribute_values_keep_their_json_type() -> None:
    attributes = {"n": 1, "f": 1.0, "b": True, "s": "1", "z": None}
    order = billing_xml_to_order(
        order_to_billing_xml(an_order(items=[a_line(attributes=attributes)]))
    )
    restored = order.items[0].attributes
    assert [type(restored[k]) for k in attributes] == [int, float, bool, str, type(None)]


def test_money_keeps_its_scale() -> None:
    price = Price(one_time="10.5000", recurring="0.00")
    order = billing_xml_to_order(order_to_billing_xml(an_order(items=[a_line(price=price)])))
    assert [str(order.items[0].price.one_time), str(order.items[0].price.recurring)] == [
        "10.5000",
        "0.00",
    ]


def test_money_changes_travel_as_decimal_text() -> None:
    root = etree.fromstring(order_to_billing_xml(a_revision(), revision_changes()))
    old = root.find(".//b:FieldChange[b:Field='price.recurring']/b:Old", {"b": NAMESPACE})
    assert (old.get("type"), old.text) == ("string", "29.99")


# what XML cannot carry, and the other control characters the canonical model refuses
_XML_ILLEGAL = [chr(c) for c in (*range(0x9), 0xB, 0xC, *range(0xE, 0x20), *range(0x7F, 0xA0),
                                 0xFFFE, 0xFFFF)]
xml_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters=_XML_ILLEGAL)
)
identifiers = strategies.identifiers(64)
# small enough that five lines of a million each stay within an order total the books hold
money = strategies.amounts(6)
currencies = strategies.letters(3)
scalars = (st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
           | st.floats(allow_nan=False, allow_infinity=False) | xml_text.filter(lambda s: len(s) <= 2000))
attribute_maps = st.dictionaries(xml_text.filter(lambda s: len(s) <= 100), scalars, max_size=6)
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))

lines = st.builds(
    OrderItem,
    line_id=identifiers,
    parent_line_id=st.none() | identifiers,
    action=st.sampled_from(ACTIONS),
    product_code=identifiers,
    product_name=xml_text.filter(lambda s: 1 <= len(s) <= 200),
    trackable=st.booleans(),
    asset_id=st.none() | identifiers,
    quantity=st.integers(1, 10**6),
    attributes=attribute_maps,
    old_attributes=st.none() | attribute_maps,
    price=st.builds(Price, one_time=money, recurring=money, currency=st.none() | currencies),
    billing_account_id=st.none() | identifiers,
    service_account_id=st.none() | identifiers,
    promised_date=st.none() | st.dates(),
)
orders = st.builds(
    Order,
    order_id=identifiers,
    revision=st.integers(1, 999),
    kind=st.sampled_from(["new", "revision", "cancel"]),
    account_id=identifiers,
    partner_id=st.none() | identifiers,
    currency=currencies,
    submitted_at=st.datetimes(timezones=offsets),
    customer_email=st.none() | strategies.emails(),
    items=st.lists(lines, max_size=5, unique_by=lambda item: item.line_id),
    quote_id=st.none() | identifiers,
    opportunity_id=st.none() | identifiers,
    requested_date=st.none() | st.dates(),
    billing_account_id=st.none() | identifiers,
    service_account_id=st.none() | identifiers,
)
changes = st.none() | st.builds(
    RevisionChanges,
    added=st.lists(identifiers, max_size=3),
    removed=st.lists(identifiers, max_size=3),
    changed=st.lists(
        st.builds(
            LineChange,
            line_id=identifiers,
            fields=st.lists(
                st.builds(
                    FieldChange,
                    field=xml_text.filter(lambda s: 1 <= len(s) <= 200),
                    old=scalars,
                    new=scalars,
                ),
                max_size=3,
            ),
        ),
        max_size=3,
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=orders, summary=changes)
def test_any_order_survives_the_round_trip_through_valid_billing_xml(
    order: Order, summary: RevisionChanges | None
) -> None:
    document = order_to_billing_xml(order, summary)
    assert_valid(document, "order.xsd")
    assert billing_xml_to_order(document) == as_billed(order)
    assert billing_xml_to_changes(document) == summary


# -- golden documents -----------------------------------------------------------------------


def test_new_order_matches_its_golden_document() -> None:
    assert_matches_golden("new_order.xml", order_to_billing_xml(an_order()))


def test_revision_with_change_summary_matches_its_golden_document() -> None:
    assert_matches_golden(
        "revision_with_changes.xml", order_to_billing_xml(a_revision(), revision_changes())
    )


def test_asset_changes_match_their_golden_document() -> None:
    assert_matches_golden(
        "asset_changes.xml", asset_changes_to_billing_xml("ACC-42", "ORD-1001", 2, asset_changes())
    )


def test_golden_comparison_reports_the_node_that_differs() -> None:
    golden = (GOLDEN_DIR / "new_order.xml").read_bytes()
    changed = edited(golden, "<Quantity>1</Quantity>", "<Quantity>3</Quantity>")
    found = differences(etree.fromstring(golden), etree.fromstring(changed))
    assert found == ["BillingOrder/Lines[8]/Line[0]/Quantity[5]: text '3' != '1'"]


# -- hostile and invalid input --------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<BillingOrder xmlns="urn:orderhub:billing:v1"><OrderId>&lol3;</OrderId></BillingOrder>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE BillingOrder [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<BillingOrder xmlns="urn:orderhub:billing:v1"><OrderId>&xxe;</OrderId></BillingOrder>"""


def doctype_after_a_long_comment() -> bytes:
    body = order_to_billing_xml(an_order()).split(b"?>", 1)[1]
    return (
        b'<?xml version="1.0"?>\n<!--' + b"x" * 5000 + b"-->\n"
        b'<!DOCTYPE BillingOrder SYSTEM "http://example.invalid/billing.dtd">' + body
    )


def padded_past_the_limit() -> bytes:
    return order_to_billing_xml(an_order()) + b"<!--" + b" " * MAX_XML_BYTES + b"-->"


@pytest.mark.parametrize(
    ("document", "code"),
    [
        pytest.param(lambda: BILLION_LAUGHS, "xml.dtd_forbidden", id="billion laughs"),
        pytest.param(lambda: EXTERNAL_ENTITY, "xml.dtd_forbidden", id="external entity"),
        pytest.param(doctype_after_a_long_comment, "xml.dtd_forbidden", id="hidden doctype"),
        pytest.param(
            lambda: b"<BillingOrder xmlns='urn:orderhub:billing:v1'><OrderId>O</BillingOrder>",
            "xml.malformed",
            id="not well-formed",
        ),
        pytest.param(lambda: b"", "xml.malformed", id="empty"),
        pytest.param(padded_past_the_limit, "xml.too_large", id="too large"),
    ],
)
def test_unsafe_documents_are_refused_before_mapping(document: Any, code: str) -> None:
    with pytest.raises(UnsafeXml) as refused:
        billing_xml_to_order(document())
    assert refused.value.code == code


def valid_document() -> bytes:
    return order_to_billing_xml(a_revision(), revision_changes())


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(NAMESPACE, "urn:orderhub:billing:v2", id="wrong namespace"),
        pytest.param(f' xmlns="{NAMESPACE}"', "", id="no namespace"),
        pytest.param("<Quantity>2</Quantity>", "<Quantity>0</Quantity>", id="zero quantity"),
        pytest.param("<OneTimePrice>49.90<", "<OneTimePrice>-49.90<", id="negative price"),
        pytest.param("<OneTimePrice>49.90<", "<OneTimePrice>49.90001<", id="five decimals"),
        pytest.param("<Action>update<", "<Action>upgrade<", id="unknown action"),
        pytest.param("<Kind>revision<", "<Kind>amend<", id="unknown kind"),
        pytest.param("<Revision>2<", "<Revision>1000<", id="revision out of range"),
        pytest.param("<Currency>EUR<", "<Currency>eur<", id="lower-case currency"),
        pytest.param("+01:00</SubmittedAt>", "</SubmittedAt>", id="timestamp without offset"),
        pytest.param("</RecurringPrice>", "</RecurringPrice><Discount>5</Discount>", id="extra"),
        pytest.param("<LineId>L2</LineId>\n      <Par", "<LineId>L1</LineId><Par", id="dup line"),
        pytest.param('name="colour"', 'name="ratio"', id="duplicate attribute name"),
        pytest.param('type="integer"', 'type="date"', id="unknown value type"),
        pytest.param("<Trackable>false<", "<Trackable>no<", id="not a boolean"),
    ],
)
def test_schema_invalid_documents_are_refused_as_billing_xml_invalid(old: str, new: str) -> None:
    with pytest.raises(BillingXmlInvalid) as refused:
        billing_xml_to_order(edited(valid_document(), old, new))
    assert refused.value.code == "billing.xml_invalid"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param('mbps" type="integer">2000<', 'mbps" type="integer">2k<', id="integer"),
        pytest.param('type="number">0.5<', 'type="number">0,5<', id="number"),
        pytest.param('type="boolean">true<', 'type="boolean">yes<', id="boolean"),
        pytest.param('"serial" type="null"/>', '"serial" type="null">x</Attribute>', id="null"),
    ],
)
def test_attribute_values_that_do_not_parse_as_their_type_are_refused(old: str, new: str) -> None:
    with pytest.raises(BillingXmlInvalid) as refused:
        billing_xml_to_order(edited(valid_document(), old, new))
    assert refused.value.code == "billing.xml_invalid"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param('<New type="integer">2000<', '<New type="integer">2.0<', id="integer"),
        pytest.param('<Old type="null"/>', '<Old type="null">x</Old>', id="null"),
    ],
)
def test_changed_values_that_do_not_parse_as_their_type_are_refused(old: str, new: str) -> None:
    with pytest.raises(BillingXmlInvalid) as refused:
        billing_xml_to_changes(edited(valid_document(), old, new))
    assert refused.value.code == "billing.xml_invalid"


def test_an_asset_change_document_is_not_accepted_as_an_order() -> None:
    with pytest.raises(BillingXmlInvalid):
        billing_xml_to_order(asset_changes_to_billing_xml("ACC-42", "ORD-1", 1, asset_changes()))


# -- output the schema refuses is a bug, raised loudly ------------------------------------


def test_text_xml_cannot_carry_is_refused_when_rendering() -> None:
    with pytest.raises(BillingXmlNotProduced, match="ORD-1001"):
        # the canonical model refuses it first; the mapper does not rely on that
        order_to_billing_xml(an_order(items=[a_line().model_copy(update={"product_name": "bell \x07"})]))


def test_an_offset_with_seconds_is_refused_when_rendering() -> None:
    odd = datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=1, seconds=30)))
    with pytest.raises(BillingXmlNotProduced, match="order.xsd"):
        order_to_billing_xml(an_order(submitted_at=odd))


def test_an_empty_asset_change_document_is_refused_when_rendering() -> None:
    with pytest.raises(BillingXmlNotProduced, match="asset.xsd"):
        asset_changes_to_billing_xml("ACC-42", "ORD-1001", 2, [])


def test_billing_xml_that_cannot_be_made_is_a_refusal_with_a_code_not_a_crash() -> None:
    odd = an_order().model_copy(update={"customer_email": "a\x00@b.example"})
    with pytest.raises(Rejected) as refused:
        order_to_billing_xml(odd)
    assert refused.value.errors[0].code == "billing.xml_not_produced"
