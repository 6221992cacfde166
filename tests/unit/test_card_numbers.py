"""Card numbers are found wherever they hide in a payment request, and masked for keeping."""

import json

import pytest

from hub.backoffice.card_numbers import card_number_problems, luhn_valid, masked

VISA = "4111111111111111"
AMEX = "378282246310005"


@pytest.mark.parametrize("number", [VISA, AMEX, "5555555555554444", "6011000990139424",
                                    "4111 1111 1111 1111", "4111-1111-1111-1111"])
def test_known_test_cards_pass_luhn(number):
    assert luhn_valid(number.replace(" ", "").replace("-", ""))


def test_a_changed_digit_fails_luhn():
    assert not luhn_valid("4111111111111112")


def paths(body: object) -> list[str | None]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return [p.path for p in card_number_problems(raw)]


def test_a_card_number_as_the_token_is_found():
    assert paths({"card_token": VISA, "amount": "1.00"}) == ["card_token"]


def test_a_card_number_anywhere_is_found_with_its_path():
    body = {"account_id": "A", "card_token": "tok_1",
            "notes": [{"text": f"pay with {AMEX} please"}], "card": int(VISA),
            "extra": {"pan": "4111 1111 1111 1111"}}
    assert paths(body) == ["notes[0].text", "card", "extra.pan"]


def test_a_card_number_in_an_unreadable_body_is_found_without_a_path():
    assert paths(f"card={VISA}".encode()) == [None]


@pytest.mark.parametrize("harmless", ["4111111111111112", "123456789012", "12345678901234567890",
                                      "2026-11-23T09:00:00+00:00", "tok_4111"])
def test_other_digits_are_left_alone(harmless):
    assert paths({"card_token": "tok_1", "order_id": harmless}) == []


def test_masking_keeps_the_last_four_digits_and_the_shape():
    body = json.dumps({"card_token": VISA, "n": int(VISA), "text": f"x {AMEX} y",
                       "amount": "1.00"}).encode()
    kept = masked(body)
    assert VISA not in kept.decode() and AMEX not in kept.decode()
    assert json.loads(kept) == {"card_token": "************1111", "n": "************1111",
                                "text": "x ***********0005 y", "amount": "1.00"}


def test_masking_an_unreadable_body():
    assert masked(f"pan {VISA}!".encode()) == b"pan ************1111!"
