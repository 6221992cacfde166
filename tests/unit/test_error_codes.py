"""pydantic's validation errors become the contract's errors: stable code, JSON path, sentence."""

import pytest
from pydantic import BaseModel, ValidationError

from hub.canonical.orders import Order
from hub.routes.policy import errors_of
from tests.support.factories import a_line, an_order


class Handler(BaseModel):
    """Stands for FastStream's model of a handler's parameters: the body is field ``order``."""

    order: Order


def errors(order: dict) -> list[tuple[str, str | None]]:
    with pytest.raises(ValidationError) as caught:
        Handler.model_validate({"order": order})
    return [(e.code, e.path) for e in errors_of(caught.value)]


def test_our_own_codes_pass_through_with_the_path_inside_the_body():
    order = an_order("O-1", a_line("1", action="zap", quantity=0))
    assert errors(order) == [("line.action_unknown", "items[0].action"),
                             ("line.quantity_invalid", "items[0].quantity")]


def test_a_missing_field_is_request_field_missing():
    order = an_order("O-2")
    del order["account_id"]
    assert errors(order) == [("request.field_missing", "account_id")]


def test_a_wrong_type_is_request_field_invalid():
    assert errors(an_order("O-3", revision="two")) == [("request.field_invalid", "revision")]


@pytest.mark.parametrize("amount", [12.5, "12,50", "-1", "1e3", "١٢"])
def test_money_must_be_a_plain_decimal_string(amount):
    order = an_order("O-4", a_line("1", price={"one_time": amount}))
    assert errors(order) == [("money.invalid", "items[0].price.one_time")]


def test_a_time_without_a_zone_is_refused():
    assert errors(an_order("O-5", submitted_at="2026-11-23T09:00:00")) == [
        ("request.field_invalid", "submitted_at")]


def test_messages_are_sentences_a_person_can_act_on():
    with pytest.raises(ValidationError) as caught:
        Handler.model_validate({"order": an_order("O-6", currency="euro")})
    [problem] = errors_of(caught.value)
    assert problem.code == "currency.invalid"
    assert "three-letter ISO 4217 code" in problem.message
