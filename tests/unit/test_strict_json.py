"""read_json: the quick check on the text agrees with the walk over the parsed document."""

import json
from typing import Any

import pytest
from hypothesis import given

from hub.strict_json import MAX_DEPTH, JsonRefused, read_json, storable_problem
from tests.fuzz.strategies import json_values


def _walked(data: bytes) -> tuple[str, str | None] | Any:
    """What the walk alone decides: the parsed document, or the refusal's code and path."""
    try:
        document = json.loads(data, parse_constant=_refuse)
    except (ValueError, RecursionError):
        return "not json"
    if problem := storable_problem(document):
        return problem.code, problem.path
    return document


def _refuse(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _read(data: bytes) -> tuple[str, str | None] | Any:
    try:
        return read_json(data)
    except JsonRefused as refused:
        if refused.problem.code == "request.not_json":
            return "not json"
        return refused.problem.code, refused.problem.path


def _wire(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True, default=str).encode("utf-8", "surrogatepass")


@pytest.mark.parametrize(("body", "code", "path"), [
    # escapes: the text shows no control character, the string holds one
    (b'{"a": "x\\u0001y"}', "request.text_invalid", "a"),
    (b'{"a": ["ok", "x\\by"]}', "request.text_invalid", "a[1]"),
    (b'{"a": "\\ud800"}', "request.text_invalid", "a"),
    # characters the stores refuse, as they stand in the text (C1 control, non-character)
    ('{"a": "x\x85y"}'.encode(), "request.text_invalid", "a"),
    ('{"k\ufffe": 1}'.encode(), "request.text_invalid", None),
    # a lone surrogate encoded as UTF-8 bytes, which json.loads lets through
    ('{"a": "\ud800"}'.encode("utf-8", "surrogatepass"), "request.text_invalid", "a"),
    # numbers no float holds, with and without an exponent
    (b'{"a": [1, 1e400]}', "request.number_invalid", "a[1]"),
    (b'{"a": 1' + b"0" * 400 + b'.0}', "request.number_invalid", "a"),
])
def test_what_the_text_hides_is_still_refused_where_it_is(body: bytes, code: str,
                                                         path: str | None) -> None:
    with pytest.raises(JsonRefused) as refused:
        read_json(body)
    assert refused.value.problem.code == code
    if path is not None:
        assert refused.value.problem.path == path
    assert _read(body) == _walked(body)


def test_nesting_is_allowed_to_the_limit_and_refused_past_it() -> None:
    at_limit = b"[" * MAX_DEPTH + b"1" + b"]" * MAX_DEPTH
    assert read_json(at_limit) == json.loads(at_limit)
    with pytest.raises(JsonRefused) as refused:
        read_json(b"[" * (MAX_DEPTH + 1) + b"1" + b"]" * (MAX_DEPTH + 1))
    assert refused.value.problem.code == "request.too_deep"
    # many brackets side by side are not deep: the quick check gives way to the walk
    wide = json.dumps([[1]] * (MAX_DEPTH * 2)).encode()
    assert read_json(wide) == json.loads(wide)


def test_bodies_in_the_other_encodings_of_rfc_8259_read_as_before() -> None:
    for encoding in ("utf-16", "utf-32", "utf-8-sig"):
        assert read_json('{"a": "é"}'.encode(encoding)) == {"a": "é"}


@given(json_values.map(_wire))
def test_the_quick_check_and_the_walk_decide_alike(body: bytes) -> None:
    assert _read(body) == _walked(body)
