"""The one way the hub parses XML it did not write: no DTD, no entities, no network, capped
size and depth."""

from lxml import etree

MAX_XML_BYTES = 2 * 1024 * 1024
# libxml2's own bound without huge_tree; callers facing the outside pass a tighter one
MAX_XML_DEPTH = 256
_CHUNK = 64 * 1024


class UnsafeXml(ValueError):
    """The document is refused before or while parsing; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _parser() -> etree.XMLPullParser:
    return etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, *, max_bytes: int = MAX_XML_BYTES,
              max_depth: int = MAX_XML_DEPTH) -> etree._Element:
    """Parse untrusted XML, refusing anything with a DOCTYPE or entity declaration."""
    if len(data) > max_bytes:
        raise UnsafeXml("xml.too_large", f"document is {len(data)} bytes, the limit is {max_bytes}")
    # a DOCTYPE is never needed by our formats and is how entity attacks begin
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise UnsafeXml("xml.dtd_forbidden", "documents with a DOCTYPE or ENTITY are refused")
    parser = _parser()
    try:
        depth = 0
        # fed in chunks so that a document nested too deeply is refused as soon as it is seen
        for offset in range(0, len(data), _CHUNK):
            parser.feed(data[offset:offset + _CHUNK])
            for event, _ in parser.read_events():
                depth += 1 if event == "start" else -1
                if depth > max_depth:
                    raise UnsafeXml("xml.too_deep", f"elements nest deeper than {max_depth}")
        root = parser.close()
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml("xml.malformed", f"not well-formed XML: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise UnsafeXml("xml.dtd_forbidden", "documents with a DOCTYPE are refused")
    return root
