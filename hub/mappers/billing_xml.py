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
    return _produce(lambda: _order_element(order, changes), ORDER_SCHEMA, f"order {order.order_id}")


def asset_changes_to_billing_xml(
    account_id: str, order_id: str, revision: int, changes: Sequence[AssetChangeDoc]
) -> bytes:
    """Render the asset changes one order revision caused as schema-valid billing XML."""
    return _produce(
        lambda: _asset_changes_element(account_id, order_id, revision, changes),
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


def _produce(build: Callable[[], etree._Element], schema: str, what: str) -> bytes:
    """Build a document, check it against its schema and serialize it."""
    try:
        root = build()
    except ValueError as exc:  # lxml refuses control characters XML cannot carry
        raise BillingXmlNotProduced(f"{what} holds text XML cannot carry: {exc}") from exc
    try:
        _schema(schema).assertValid(root)
    except etree.DocumentInvalid as exc:
        raise BillingXmlNotProduced(f"{what} rendered invalid against {schema}: {exc}") from exc
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def _root(tag: str) -> etree._Element:
    return etree.Element(_q(tag), nsmap={None: NAMESPACE})


def _add(parent: etree._Element, tag: str, text: str | None) -> None:
    """Append a text element, or nothing when the optional value is absent."""
    if text is not None:
        etree.SubElement(parent, _q(tag)).text = text


def _order_element(order: Order, changes: RevisionChanges | None) -> etree._Element:
    root = _root("BillingOrder")
    _add(root, "OrderId", order.order_id)
    _add(root, "Revision", str(order.revision))
    _add(root, "Kind", order.kind)
    _add(root, "AccountId", order.account_id)
    _add(root, "PartnerId", order.partner_id)
    _add(root, "Currency", order.currency)
    _add(root, "SubmittedAt", order.submitted_at.isoformat())
    _add(root, "CustomerEmail", order.customer_email)
    _add(root, "QuoteId", order.quote_id)
    _add(root, "OpportunityId", order.opportunity_id)
    _add(root, "RequestedDate", _day(order.requested_date))
    _add(root, "BillingAccountId", order.billing_account())
    _add(root, "ServiceAccountId", order.service_account())
    if changes is not None:
        root.append(_changes_element(changes))
    lines = etree.SubElement(root, _q("Lines"))
    lines.extend(_line_element(item) for item in order.items_with_accounts())
    return root


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _line_element(item: OrderItem) -> etree._Element:
    line = etree.Element(_q("Line"))
    _add(line, "LineId", item.line_id)
    _add(line, "ParentLineId", item.parent_line_id)
    _add(line, "Action", item.action)
    _add(line, "ProductCode", item.product_code)
    _add(line, "ProductName", item.product_name)
    _add(line, "Trackable", "true" if item.trackable else "false")
    _add(line, "AssetId", item.asset_id)
    _add(line, "Quantity", str(item.quantity))
    _add(line, "OneTimePrice", str(item.price.one_time))
    _add(line, "RecurringPrice", str(item.price.recurring))
    _add(line, "PriceCurrency", item.price.currency)
    _add_attributes(line, "Attributes", item.attributes)
    _add_attributes(line, "OldAttributes", item.old_attributes)
    _add(line, "BillingAccountId", item.billing_account_id)
    _add(line, "ServiceAccountId", item.service_account_id)
    _add(line, "PromisedDate", _day(item.promised_date))
    return line


def _changes_element(changes: RevisionChanges) -> etree._Element:
    element = etree.Element(_q("Changes"))
    for tag, line_ids in (("Added", changes.added), ("Removed", changes.removed)):
        listed = etree.SubElement(element, _q(tag))
        for line_id in line_ids:
            _add(listed, "LineId", line_id)
    changed = etree.SubElement(element, _q("Changed"))
    for line in changes.changed:
        changed_line = etree.SubElement(changed, _q("ChangedLine"))
        _add(changed_line, "LineId", line.line_id)
        for field in line.fields:
            field_change = etree.SubElement(changed_line, _q("FieldChange"))
            _add(field_change, "Field", field.field)
            _add_typed(field_change, "Old", field.old)
            _add_typed(field_change, "New", field.new)
    return element


def _asset_changes_element(
    account_id: str, order_id: str, revision: int, changes: Sequence[AssetChangeDoc]
) -> etree._Element:
    root = _root("AssetChanges")
    _add(root, "AccountId", account_id)
    _add(root, "OrderId", order_id)
    _add(root, "Revision", str(revision))
    for change in changes:
        element = etree.SubElement(root, _q("Change"))
        _add(element, "Kind", change.kind)
        _add(element, "AssetId", change.asset_id)
        _add(element, "ParentAssetId", change.parent_asset_id)
        _add(element, "ProductCode", change.product_code)
        _add(element, "Quantity", str(change.quantity))
        _add_attributes(element, "Attributes", change.attributes)
        _add_attributes(element, "OldAttributes", change.old_attributes)
        _add(element, "StartDate", _day(change.start_date))
        _add(element, "EndDate", _day(change.end_date))
        _add(element, "BillingAccountId", change.billing_account_id)
        _add(element, "ServiceAccountId", change.service_account_id)
    return root


def _add_attributes(
    parent: etree._Element, tag: str, attributes: Mapping[str, Scalar] | None
) -> None:
    if attributes is None:
        return
    element = etree.SubElement(parent, _q(tag))
    for name, value in attributes.items():
        _add_typed(element, "Attribute", value, name=name)


def _add_typed(parent: etree._Element, tag: str, value: Scalar, name: str | None = None) -> None:
    """Append a value as text with its JSON type in ``type``, so reading it back is exact."""
    value_type, text = _typed_text(value)
    named = {} if name is None else {"name": name}
    etree.SubElement(parent, _q(tag), {**named, "type": value_type}).text = text or None


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
