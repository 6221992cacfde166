"""Reading the envelope: what makes a message unreadable, before any model sees it.

aio-pika (aiormq) always stamps a message_id on publish, so a request without one cannot be
sent from Python over the broker; other clients can, hence this check on the message shape.
"""

from dataclasses import dataclass, field

from hub.routes.envelope import unreadable


@dataclass
class Delivered:
    body: bytes
    content_type: str | None = "application/json"
    message_id: str | None = "m-1"
    headers: dict = field(default_factory=dict)


def code(message: Delivered) -> str | None:
    problem = unreadable(message, max_bytes=1024)  # type: ignore[arg-type]
    return None if problem is None else problem.code


def test_a_json_object_with_a_message_id_is_readable():
    assert code(Delivered(b'{"order_id": "O-1"}')) is None


def test_json_with_charset_parameter_is_readable():
    assert code(Delivered(b"{}", content_type="application/json; charset=utf-8")) is None


def test_missing_content_type_is_taken_as_json():
    assert code(Delivered(b"{}", content_type=None)) is None


def test_a_request_without_message_id_is_refused():
    assert code(Delivered(b"{}", message_id=None)) == "request.message_id_missing"


def test_body_over_the_limit_is_refused_before_parsing():
    assert code(Delivered(b"{" + b" " * 2000 + b"}")) == "request.too_large"


def test_xml_content_type_is_refused_on_a_canonical_asi():
    assert code(Delivered(b"<a/>", content_type="application/xml")) == "request.content_type"


def test_invalid_utf8_is_not_json():
    assert code(Delivered(b"\xff\xfe")) == "request.not_json"


def test_a_json_array_is_not_an_object():
    assert code(Delivered(b"[]")) == "request.not_object"
