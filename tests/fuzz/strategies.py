"""Hostile-leaning input: JSON with odd text and numbers, deep nesting, mutated documents."""

from typing import Any

from hypothesis import strategies as st

# the characters that break stores and XML, much more often than chance would pick them
NASTY_CHARS = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\ud800", "\udfff", "\ufffe", "\uffff",
               "\u202e", "\t", "\n", "é", "𝄞", "'", '"', "<", "&", "]"]
texts = st.text(st.sampled_from(NASTY_CHARS) | st.characters(), max_size=30) | st.sampled_from(
    ["", "x" * 300, "'; DROP TABLE orders; --", "<!ENTITY x SYSTEM 'file:///etc/passwd'>"])
numbers = (st.integers() | st.integers(-(2**70), 2**70) | st.floats()
           | st.sampled_from([0, 1, -1, 10**6, 10**6 + 1, 2**63 - 1, 2**63, -(2**63) - 1,
                              1e400, float("nan"), 10**30, 0.5, "1e400"]))
scalars = st.none() | st.booleans() | numbers | texts
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(texts, inner, max_size=4), max_leaves=20)


@st.composite
def mutated(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with one to three values (at any depth) replaced by hostile ones."""
    result = _copy(document)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(result))
        path = draw(st.sampled_from(paths))
        _set(result, path, draw(json_values))
    return result


@st.composite
def mutated_bytes(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with bytes replaced, inserted or deleted, or a hostile snippet spliced in."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        choice = draw(st.integers(0, 3))
        if choice == 0:
            data[at:at + 1] = draw(st.binary(min_size=1, max_size=4))
        elif choice == 1:
            del data[at:at + draw(st.integers(1, 40))]
        elif choice == 2:
            data[at:at] = draw(st.sampled_from(XML_SNIPPETS))
        else:
            data[at:at] = draw(st.text(st.sampled_from(NASTY_CHARS), max_size=5)).encode(
                "utf-8", "surrogatepass")
    return bytes(data)


XML_SNIPPETS = [
    b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>',
    b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', b"&xxe;", b"&lol2;",
    b"<![CDATA[\x00]]>", b"<?xml-stylesheet href='http://example.com/x'?>", b"</", b"<a>",
    b' xmlns:x="urn:x"', b"&#0;", b"&#xD800;", b"<!-- -->",
]


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _paths(value: Any, path: tuple = ()):  # type: ignore[no-untyped-def]
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _paths(item, (*path, n))


def _set(document: Any, path: tuple, value: Any) -> None:
    if not path:
        return
    for step in path[:-1]:
        document = document[step]
    document[path[-1]] = value
