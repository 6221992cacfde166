"""The one way the hub parses XML it did not write: no DTD, no entities, no network, capped size."""

from lxml import etree

MAX_XML_BYTES = 2 * 1024 * 1024


class UnsafeXml(ValueError):
    """The document is refused before or while parsing; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, *, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    """Parse untrusted XML, refusing anything with a DOCTYPE or entity declaration."""
    if len(data) > max_bytes:
        raise UnsafeXml("xml.too_large", f"document is {len(data)} bytes, the limit is {max_bytes}")
    # a DOCTYPE is never needed by our formats and is how entity attacks begin
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise UnsafeXml("xml.dtd_forbidden", "documents with a DOCTYPE or ENTITY are refused")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml("xml.malformed", f"not well-formed XML: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise UnsafeXml("xml.dtd_forbidden", "documents with a DOCTYPE are refused")
    return root
