"""Reading the envelope: what makes a message unreadable, before any model sees it.

aio-pika (aiormq) always stamps a message_id on publish, so a request without one cannot be
sent from Python over the broker; other clients can, hence this check on the message shape.
"""

from dataclasses import dataclass, field

import pytest

from hub.routes.envelope import unreadable


@dataclass
class Delivered:
    body: bytes
    content_type: str | None = "application/json"
    message_id: str | None = "m-1"
    correlation_id: str | None = None
    headers: dict = field(default_factory=dict)


def code(message: Delivered) -> str | None:
    problem = unreadable(message, max_bytes=1024)  # type: ignore[arg-type]
    return None if problem is None else problem.code


def problem(message: Delivered, max_bytes: int = 1024) -> tuple[str, str | None] | None:
    found = unreadable(message, max_bytes=max_bytes)  # type: ignore[arg-type]
    return None if found is None else (found.code, found.path)


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


@pytest.mark.parametrize("body", [b'{"x": NaN}', b'{"x": Infinity}', b'{"x": -Infinity}'])
def test_nan_and_infinity_are_not_json(body):
    assert code(Delivered(body)) == "request.not_json"


def test_deep_nesting_past_the_stack_is_refused_with_a_depth_code():
    deep = b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert problem(Delivered(deep), max_bytes=1_000_000) == ("request.too_deep", None)


def test_nesting_past_the_limit_is_refused_with_where_it_went_too_deep():
    deep = b'{"x": ' + b"[" * 70 + b"]" * 70 + b"}"
    found = problem(Delivered(deep))
    assert found is not None and found[0] == "request.too_deep"
    assert found[1].startswith("x[0][0]")


def test_nesting_within_the_limit_is_readable():
    assert code(Delivered(b'{"x": ' + b"[" * 60 + b"]" * 60 + b"}")) is None


@pytest.mark.parametrize(("body", "path"), [
    (b'{"items": [{"product_name": "a\\u0000b"}]}', "items[0].product_name"),
    (b'{"name": "bell \\u0007"}', "name"),
    (b'{"attributes": {"k\\u0000": 1}}', "attributes.k\\x00"),
    (b'{"note": "\\ud800 alone"}', "note"),
    (b'{"note": "\\uffff"}', "note"),
])
def test_control_characters_and_lone_surrogates_are_refused_with_their_path(body, path):
    assert problem(Delivered(body)) == ("request.text_invalid", path)


def test_tabs_line_breaks_and_paired_surrogates_are_text():
    assert code(Delivered(b'{"note": "a\\tb\\nc\\r \\ud83d\\ude00 \\u00e9"}')) is None


@pytest.mark.parametrize(("body", "path"), [
    (b'{"attributes": {"x": 1e400}}', "attributes.x"),
    (b'{"items": [{"price": -1e999}]}', "items[0].price"),
])
def test_numbers_no_store_can_hold_are_refused(body, path):
    assert problem(Delivered(body)) == ("request.number_invalid", path)


def test_integers_are_left_to_the_fields_that_hold_them():
    assert code(Delivered(b'{"quantity": 1000000000000000000000000000000}')) is None


def test_a_number_with_thousands_of_digits_is_not_json():
    assert code(Delivered(b'{"n": ' + b"9" * 5000 + b"}", )) in (
        "request.not_json", "request.too_large")
    assert problem(Delivered(b'{"n": ' + b"9" * 5000 + b"}"), max_bytes=10_000)[0] == \
        "request.not_json"


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("message_id", "m" * 201, "request.message_id_invalid"),
    ("message_id", "m\x00", "request.message_id_invalid"),
    ("correlation_id", "c" * 201, "request.correlation_id_invalid"),
    ("correlation_id", "c\x1b[31m", "request.correlation_id_invalid"),
])
def test_ids_the_stores_cannot_hold_are_refused(field, value, expected):
    assert code(Delivered(b"{}", **{field: value})) == expected


def test_ids_of_200_characters_are_accepted():
    assert code(Delivered(b"{}", message_id="m" * 200, correlation_id="c" * 200)) is None
