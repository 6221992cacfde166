"""The one way the hub reads JSON it did not write: strict RFC 8259, bounded, storable.

Python's ``json`` accepts ``NaN`` and ``Infinity``, turns ``1e400`` into infinity, keeps lone
surrogates and NUL in strings, and overflows the stack on deep nesting; each of those would
fail later in a database or the XML mapper, so each is refused here with a code and a path.
Integers are left to the canonical fields, whose bounds say what a caller did wrong.
"""

import json
import math
from typing import Any

from hub.canonical.types import UNSAFE_TEXT, text_problem
from hub.errors import HubError, error, json_path

MAX_DEPTH = 64


class JsonRefused(ValueError):
    """The bytes are not JSON the hub accepts; ``problem`` says why and where."""

    def __init__(self, problem: HubError) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _no_constants(name: str) -> Any:
    raise JsonRefused(error("request.not_json",
                            f"{name} is not JSON (RFC 8259 has no NaN or Infinity)"))


def read_json(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``data`` or raise :class:`JsonRefused` with a stable code."""
    unbounded: list[float] = []

    def number(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            unbounded.append(value)
        return value

    try:
        # decoded as json.loads decodes bytes: any of the encodings RFC 8259 names, by its BOM
        text = data if isinstance(data, str) else data.decode(json.detect_encoding(data),
                                                              "surrogatepass")
        document = json.loads(text, parse_constant=_no_constants, parse_float=number)
    except JsonRefused:
        raise
    except RecursionError:
        raise JsonRefused(error("request.too_deep",
                                f"the JSON is nested deeper than {max_depth} levels")) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise JsonRefused(error("request.not_json", f"the body is not JSON: {exc}")) from None
    if not unbounded and _plainly_storable(text, max_depth):
        return document
    if problem := storable_problem(document, max_depth=max_depth):
        raise JsonRefused(problem)
    return document


def _plainly_storable(text: str, max_depth: int) -> bool:
    """True when the text alone shows the walk would find nothing (most requests, at C speed).

    No escape (so every character of every string is in the text as it stands), no character
    the stores refuse anywhere, and fewer brackets than the depth allowed.
    """
    return ("\\" not in text and not UNSAFE_TEXT.search(text)
            and text.count("{") + text.count("[") <= max_depth)


def storable_problem(document: Any, *, max_depth: int = MAX_DEPTH) -> HubError | None:
    """The first value the stores or the mappers could not hold, walking without recursion."""
    pending: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while pending:
        value, path = pending.pop()
        if len(path) > max_depth:
            return error("request.too_deep", f"the JSON is nested deeper than {max_depth} levels",
                         json_path(path[:max_depth]))
        if isinstance(value, dict):
            for key, item in value.items():
                if reason := text_problem(key):
                    return error("request.text_invalid", f"a key {reason}",
                                 json_path((*path, _printable(key))))
                pending.append((item, (*path, key)))
        elif isinstance(value, list):
            pending.extend((item, (*path, n)) for n, item in enumerate(value))
        elif problem := _scalar_problem(value, path):
            return problem
    return None


def _scalar_problem(value: Any, path: tuple[str | int, ...]) -> HubError | None:
    if isinstance(value, str):
        if reason := text_problem(value):
            return error("request.text_invalid", f"the text {reason}", json_path(path))
    # integers are bounded by the fields that hold them (line.quantity_invalid, ...)
    elif isinstance(value, float) and not math.isfinite(value):
        return error("request.number_invalid",
                     "the number is too large to be represented", json_path(path))
    return None


def _printable(key: str) -> str:
    return key.encode("unicode_escape", "backslashreplace").decode("ascii")[:100]
