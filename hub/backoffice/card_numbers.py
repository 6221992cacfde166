"""Card numbers never enter the hub: find them anywhere in a request, and mask them.

A run of 13 to 19 digits (spaces or dashes between them allowed) that passes the Luhn check
counts as a card number, wherever it appears: a string, a number, a key, or an unreadable body.
"""

import json
import re
from typing import Any

from hub.errors import HubError, error, json_path

_DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
FORBIDDEN = "payment.card_number_forbidden"


def luhn_valid(digits: str) -> bool:
    total = 0
    for n, char in enumerate(reversed(digits)):
        value = int(char)
        if n % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card_numbers_in(text: str) -> list[str]:
    return [match.group() for match in _DIGIT_RUN.finditer(text)
            if 13 <= len(digits := re.sub(r"\D", "", match.group())) <= 19
            and luhn_valid(digits)]


def _mask_text(text: str) -> str:
    def mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group())
        if not (13 <= len(digits) <= 19 and luhn_valid(digits)):
            return match.group()
        return "*" * (len(digits) - 4) + digits[-4:]

    return _DIGIT_RUN.sub(mask, text)


def card_number_problems(body: bytes) -> list[HubError]:
    """One error per place in ``body`` that holds a card number; empty when there is none."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        text = body.decode("utf-8", errors="replace")
        return [_problem(None)] if _card_numbers_in(text) else []
    return [_problem(json_path(path)) for path in _paths(document, ())]


def masked(body: bytes) -> bytes:
    """``body`` with every card number's digits but the last four replaced by ``*``."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return _mask_text(body.decode("utf-8", errors="replace")).encode()
    return json.dumps(_masked(document), separators=(",", ":")).encode()


def _paths(value: Any, path: tuple[str | int, ...]) -> list[tuple[str | int, ...]]:
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            found += [path + (key,)] if _card_numbers_in(str(key)) else []
            found += _paths(item, path + (key,))
        return found
    if isinstance(value, list):
        return [p for n, item in enumerate(value) for p in _paths(item, path + (n,))]
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return [path] if _card_numbers_in(str(value)) else []
    return []


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {_mask_text(str(key)): _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    if (isinstance(value, int | float) and not isinstance(value, bool)
            and _card_numbers_in(str(value))):
        return _mask_text(str(value))
    if isinstance(value, str):
        return _mask_text(value)
    return value


def _problem(path: str | None) -> HubError:
    return error(FORBIDDEN, "this looks like a card number: send only the card token your "
                 "payment page got from the payment provider, never the number itself", path)
