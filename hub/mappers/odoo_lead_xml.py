"""An Odoo-like lead as the elements of a WSDL's ``Lead`` type, and back; no I/O.

The lists sit in wrapper elements (``<x_contacts><contact>...</contact></x_contacts>``); every
other field is one element whose text the lead's model parses. The field order of
``OdooLead`` is the order of the WSDL's sequence.
"""

from typing import Any

from lxml import etree

LIST_ITEMS = {"x_contacts": "contact", "x_revenue_lines": "line", "x_activities": "activity",
              "x_notes": "note"}


def lead_from_xml(element: etree._Element, namespace: str) -> dict[str, Any]:
    """The lead as JSON-like fields; elements of another namespace are not the lead's."""
    lead: dict[str, Any] = {}
    for child in _children(element, namespace):
        name = etree.QName(child).localname
        if name in LIST_ITEMS:
            lead[name] = [_fields(item, namespace) for item in _children(child, namespace)
                          if etree.QName(item).localname == LIST_ITEMS[name]]
        else:
            lead.setdefault(name, child.text)
    return lead


def lead_to_xml(lead: dict[str, Any], tag: str, namespace: str) -> etree._Element:
    """The lead (as ``OdooLead`` dumps it, in JSON mode) under one element named ``tag``."""
    element = etree.Element(f"{{{namespace}}}{tag}")
    for name, value in lead.items():
        child = etree.SubElement(element, f"{{{namespace}}}{name}")
        if name in LIST_ITEMS:
            for item in value:
                child.append(_element(LIST_ITEMS[name], item, namespace))
        else:
            child.text = str(value)
    return element


def _children(element: etree._Element, namespace: str) -> list[etree._Element]:
    return [child for child in element
            if isinstance(child.tag, str) and etree.QName(child).namespace == namespace]


def _fields(element: etree._Element, namespace: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for child in _children(element, namespace):
        fields.setdefault(etree.QName(child).localname, child.text)
    return fields


def _element(tag: str, fields: dict[str, Any], namespace: str) -> etree._Element:
    element = etree.Element(f"{{{namespace}}}{tag}")
    for name, value in fields.items():
        etree.SubElement(element, f"{{{namespace}}}{name}").text = str(value)
    return element
