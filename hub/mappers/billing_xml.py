"""Billing XML both ways: an order revision and its asset changes (schemas/billing/*.xsd)."""

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

from lxml import etree
from pydantic import BaseModel, Field

from hub.canonical.changes import FieldChange, LineChange, RevisionChanges
from hub.canonical.orders import Order, OrderItem, Price
from hub.canonical.types import Attributes, Identifier, Quantity
from hub.errors import Rejected, error
from hub.hardened_xml import parse_xml

NAMESPACE = "urn:orderhub:billing:v1"
SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
ORDER_SCHEMA = "billing/order.xsd"
ASSET_SCHEMA = "billing/asset.xsd"

Scalar = str | int | float | bool | None
AssetChangeKind = Literal["created", "updated", "terminated", "suspended", "resumed"]

_T = TypeVar("_T")
_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|-?inf|nan")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


class BillingXmlInvalid(ValueError):
    """A billing document that parsed safely but breaks the schema or the canonical model."""

    def __init__(self, message: str, code: str = "billing.xml_invalid") -> None:
        super().__init__(message)
        self.code = code


class BillingXmlNotProduced(Rejected):
    """Billing XML cannot be made from this order; a retry would render the same, so it is refused."""

    def __init__(self, message: str) -> None:
        super().__init__(error("billing.xml_not_produced", message))


class AssetChangeDoc(BaseModel):
    """One change to an asset as billing is told about it."""

    kind: AssetChangeKind
    asset_id: Identifier
    parent_asset_id: Identifier | None = None
    product_code: Identifier
    quantity: Quantity = 1
    attributes: Attributes = Field(default_factory=dict)
    old_attributes: Attributes | None = None
    start_date: date | None = None
    end_date: date | None = None
    billing_account_id: Identifier | None = None
    service_account_id: Identifier | None = None


@cache
def _schema(name: str) -> etree.XMLSchema:
    """Load one billing schema, once, through the hardened parser."""
    return etree.XMLSchema(parse_xml((SCHEMAS_DIR / name).read_bytes()))


def order_to_billing_xml(order: Order, changes: RevisionChanges | None = None) -> bytes:
    """Render an order revision, with its change summary if given, as schema-valid billing XML."""
    return _produce(lambda xml: _write_order(xml, order, changes), ORDER_SCHEMA,
                    f"order {order.order_id}")


def asset_changes_to_billing_xml(
    account_id: str, order_id: str, revision: int, changes: Sequence[AssetChangeDoc]
) -> bytes:
    """Render the asset changes one order revision caused as schema-valid billing XML."""
    return _produce(
        lambda xml: _write_asset_changes(xml, account_id, order_id, revision, changes),
        ASSET_SCHEMA,
        f"asset changes of order {order_id}",
    )


def billing_xml_to_order(data: bytes) -> Order:
    """Parse, validate and map billing order XML back to the canonical order."""
    return _read_billing_order(data, _order_from)


def billing_xml_to_changes(data: bytes) -> RevisionChanges | None:
    """Parse, validate and map back the change summary of billing order XML, if it has one."""
    return _read_billing_order(data, _changes_from)


def _read_billing_order(data: bytes, mapping: Callable[[etree._Element], _T]) -> _T:
    """Parse safely, validate against the order schema, then map, refusing with stable codes."""
    root = parse_xml(data)
    try:
        _schema(ORDER_SCHEMA).assertValid(root)
    except etree.DocumentInvalid as exc:
        raise BillingXmlInvalid(f"not a valid billing order: {exc}") from None
    try:
        return mapping(root)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError too
        raise BillingXmlInvalid(
            f"billing order does not map to the canonical model: {exc}"
        ) from None


def _produce(build: Callable[["_Xml"], None], schema: str, what: str) -> bytes:
    """Write a document, check it against its schema and return its bytes.

    The text is written directly (a tenth of the cost of building an lxml tree element by
    element) and parsed back for the schema check, so what is checked is what is sent.
    """
    xml = _Xml()
    build(xml)
    try:
        data = xml.to_bytes()
        root = etree.fromstring(data, _OWN_OUTPUT)
    except (ValueError, etree.XMLSyntaxError) as exc:  # text XML 1.0 cannot carry
        raise BillingXmlNotProduced(f"{what} holds text XML cannot carry: {exc}") from exc
    try:
        _schema(schema).assertValid(root)
    except etree.DocumentInvalid as exc:
        raise BillingXmlNotProduced(f"{what} rendered invalid against {schema}: {exc}") from exc
    return data


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


# the hub's own text, parsed back only to be checked: nothing to resolve, nothing to fetch
_OWN_OUTPUT = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                              huge_tree=False)
# \r is written as a reference, or a parser would read it back as \n; in attribute values
# tabs and newlines too, or a parser would read them back as spaces
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;",
                            '"': "&quot;", "\n": "&#10;", "\t": "&#9;"})
_MARKUP = re.compile("[&<>\r]")


class _Xml:
    """An XML document written as text, element by element, indented two spaces a level.

    An element closed with nothing written inside it is written ``<Tag/>``, as lxml did.
    """

    def __init__(self) -> None:
        self._parts: list[str] = ["<?xml version='1.0' encoding='UTF-8'?>\n"]
        # each open element: its tag, its opening text and where that text is in _parts
        self._open: list[tuple[str, str, int]] = []
        self._indent = ""

    def start(self, tag: str, namespace: bool = False) -> None:
        head = f'{tag} xmlns="{NAMESPACE}"' if namespace else tag
        self._open.append((tag, head, len(self._parts)))
        self._parts.append(f"{self._indent}<{head}>\n")
        self._indent = "  " * len(self._open)

    def end(self) -> None:
        tag, head, at = self._open.pop()
        self._indent = "  " * len(self._open)
        if at == len(self._parts) - 1:
            self._parts[at] = f"{self._indent}<{head}/>\n"
        else:
            self._parts.append(f"{self._indent}</{tag}>\n")

    def add(self, tag: str, text: str | None, head: str | None = None) -> None:
        """A text element (``head``: the tag with its attributes), or nothing for no value."""
        if text is None:
            return
        head = head or tag
        if _MARKUP.search(text):
            text = text.translate(_TEXT)
        self._parts.append(f"{self._indent}<{head}>{text}</{tag}>\n" if text
                           else f"{self._indent}<{head}/>\n")

    def to_bytes(self) -> bytes:
        """UTF-8; text no encoding can carry (a lone surrogate) is a ``ValueError``."""
        assert not self._open, self._open
        return "".join(self._parts).encode()


def _write_order(xml: _Xml, order: Order, changes: RevisionChanges | None) -> None:
    xml.start("BillingOrder", namespace=True)
    xml.add("OrderId", order.order_id)
    xml.add("Revision", str(order.revision))
    xml.add("Kind", order.kind)
    xml.add("AccountId", order.account_id)
    xml.add("PartnerId", order.partner_id)
    xml.add("Currency", order.currency)
    xml.add("SubmittedAt", order.submitted_at.isoformat())
    xml.add("CustomerEmail", order.customer_email)
    xml.add("QuoteId", order.quote_id)
    xml.add("OpportunityId", order.opportunity_id)
    xml.add("RequestedDate", _day(order.requested_date))
    xml.add("BillingAccountId", order.billing_account())
    xml.add("ServiceAccountId", order.service_account())
    if changes is not None:
        _write_changes(xml, changes)
    xml.start("Lines")
    for item in order.items_with_accounts():
        _write_line(xml, item)
    xml.end()
    xml.end()


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _write_line(xml: _Xml, item: OrderItem) -> None:
    xml.start("Line")
    xml.add("LineId", item.line_id)
    xml.add("ParentLineId", item.parent_line_id)
    xml.add("Action", item.action)
    xml.add("ProductCode", item.product_code)
    xml.add("ProductName", item.product_name)
    xml.add("Trackable", "true" if item.trackable else "false")
    xml.add("AssetId", item.asset_id)
    xml.add("Quantity", str(item.quantity))
    xml.add("OneTimePrice", str(item.price.one_time))
    xml.add("RecurringPrice", str(item.price.recurring))
    xml.add("PriceCurrency", item.price.currency)
    _write_attributes(xml, "Attributes", item.attributes)
    _write_attributes(xml, "OldAttributes", item.old_attributes)
    xml.add("BillingAccountId", item.billing_account_id)
    xml.add("ServiceAccountId", item.service_account_id)
    xml.add("PromisedDate", _day(item.promised_date))
    xml.end()


def _write_changes(xml: _Xml, changes: RevisionChanges) -> None:
    xml.start("Changes")
    for tag, line_ids in (("Added", changes.added), ("Removed", changes.removed)):
        xml.start(tag)
        for line_id in line_ids:
            xml.add("LineId", line_id)
        xml.end()
    xml.start("Changed")
    for line in changes.changed:
        xml.start("ChangedLine")
        xml.add("LineId", line.line_id)
        for field in line.fields:
            xml.start("FieldChange")
            xml.add("Field", field.field)
            _write_typed(xml, "Old", field.old)
            _write_typed(xml, "New", field.new)
            xml.end()
        xml.end()
    xml.end()
    xml.end()


def _write_asset_changes(
    xml: _Xml, account_id: str, order_id: str, revision: int, changes: Sequence[AssetChangeDoc]
) -> None:
    xml.start("AssetChanges", namespace=True)
    xml.add("AccountId", account_id)
    xml.add("OrderId", order_id)
    xml.add("Revision", str(revision))
    for change in changes:
        xml.start("Change")
        xml.add("Kind", change.kind)
        xml.add("AssetId", change.asset_id)
        xml.add("ParentAssetId", change.parent_asset_id)
        xml.add("ProductCode", change.product_code)
        xml.add("Quantity", str(change.quantity))
        _write_attributes(xml, "Attributes", change.attributes)
        _write_attributes(xml, "OldAttributes", change.old_attributes)
        xml.add("StartDate", _day(change.start_date))
        xml.add("EndDate", _day(change.end_date))
        xml.add("BillingAccountId", change.billing_account_id)
        xml.add("ServiceAccountId", change.service_account_id)
        xml.end()
    xml.end()


def _write_attributes(xml: _Xml, tag: str, attributes: Mapping[str, Scalar] | None) -> None:
    if attributes is None:
        return
    xml.start(tag)
    for name, value in attributes.items():
        _write_typed(xml, "Attribute", value, name=name)
    xml.end()


def _write_typed(xml: _Xml, tag: str, value: Scalar, name: str | None = None) -> None:
    """A value as text with its JSON type in ``type``, so reading it back is exact."""
    value_type, text = _typed_text(value)
    named = "" if name is None else f' name="{name.translate(_ATTRIBUTE)}"'
    xml.add(tag, text, head=f'{tag}{named} type="{value_type}"')


def _typed_text(value: Scalar) -> tuple[str, str]:
    if value is None:
        return "null", ""
    if isinstance(value, bool):  # before int: a bool is an int to Python
        return "boolean", "true" if value else "false"
    if isinstance(value, int):
        return "integer", str(value)
    if isinstance(value, float):
        return "number", repr(value)
    return "string", value


def _order_from(root: etree._Element) -> Order:
    return Order(
        order_id=_text(root, "OrderId"),
        revision=int(_token(root, "Revision")),
        kind=_text(root, "Kind"),
        account_id=_text(root, "AccountId"),
        partner_id=_text(root, "PartnerId"),
        currency=_text(root, "Currency"),
        submitted_at=datetime.fromisoformat(_token(root, "SubmittedAt")),
        customer_email=_text(root, "CustomerEmail"),
        quote_id=_text(root, "QuoteId"),
        opportunity_id=_text(root, "OpportunityId"),
        requested_date=_text(root, "RequestedDate"),
        billing_account_id=_text(root, "BillingAccountId"),
        service_account_id=_text(root, "ServiceAccountId"),
        items=[_item_from(line) for line in root.iterfind(f"{_q('Lines')}/{_q('Line')}")],
    )


def _item_from(line: etree._Element) -> OrderItem:
    return OrderItem(
        line_id=_text(line, "LineId"),
        parent_line_id=_text(line, "ParentLineId"),
        action=_text(line, "Action"),
        product_code=_text(line, "ProductCode"),
        product_name=_text(line, "ProductName"),
        trackable=_BOOLEANS[_token(line, "Trackable")],
        asset_id=_text(line, "AssetId"),
        quantity=int(_token(line, "Quantity")),
        attributes=_attributes_from(line.find(_q("Attributes"))) or {},
        old_attributes=_attributes_from(line.find(_q("OldAttributes"))),
        price=Price(
            one_time=_token(line, "OneTimePrice"),
            recurring=_token(line, "RecurringPrice"),
            currency=_text(line, "PriceCurrency"),
        ),
        billing_account_id=_text(line, "BillingAccountId"),
        service_account_id=_text(line, "ServiceAccountId"),
        promised_date=_text(line, "PromisedDate"),
    )


def _changes_from(root: etree._Element) -> RevisionChanges | None:
    element = root.find(_q("Changes"))
    if element is None:
        return None
    changed = element.iterfind(f"{_q('Changed')}/{_q('ChangedLine')}")
    return RevisionChanges(
        added=_line_ids(element, "Added"),
        removed=_line_ids(element, "Removed"),
        changed=[_line_change_from(line) for line in changed],
    )


def _line_ids(changes: etree._Element, tag: str) -> list[str]:
    return [line_id.text or "" for line_id in changes.iterfind(f"{_q(tag)}/{_q('LineId')}")]


def _line_change_from(line: etree._Element) -> LineChange:
    fields = [
        FieldChange(
            field=_text(change, "Field"),
            old=_typed_value(change.find(_q("Old"))),
            new=_typed_value(change.find(_q("New"))),
        )
        for change in line.iterfind(_q("FieldChange"))
    ]
    return LineChange(line_id=_text(line, "LineId"), fields=fields)


def _text(parent: etree._Element, tag: str) -> str | None:
    return parent.findtext(_q(tag))


def _token(parent: etree._Element, tag: str) -> str:
    """A required non-string value; the schema collapses whitespace around it, so do we."""
    return (parent.findtext(_q(tag)) or "").strip()


def _attributes_from(element: etree._Element | None) -> dict[str, Scalar] | None:
    if element is None:
        return None
    return {a.get("name"): _typed_value(a) for a in element.iterfind(_q("Attribute"))}


def _typed_value(element: etree._Element) -> Scalar:
    """Read a value back as the JSON type its ``type`` attribute names."""
    value_type, text = element.get("type"), element.text or ""
    if value_type == "string":
        return text
    if value_type == "null" and text == "":
        return None
    if value_type == "boolean" and text in _BOOLEANS:
        return _BOOLEANS[text]
    if value_type == "integer" and _INTEGER.fullmatch(text):
        return int(text)
    if value_type == "number" and _NUMBER.fullmatch(text):
        return float(text)
    raise ValueError(f"{text!r} is not a {value_type} (line {element.sourceline})")
