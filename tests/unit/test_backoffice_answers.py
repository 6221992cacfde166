"""Back-office answers that do not fit the request are told apart from refusals."""

import pytest

from hub.backoffice.answers import (
    Misfit,
    check_availability,
    check_price,
    read_answer,
    repeated_lines,
)
from hub.canonical.backoffice import (
    AvailabilityAnswer,
    AvailabilityRequest,
    CreditAnswer,
    PriceAnswer,
    PriceRequest,
)
from tests.support.factories import a_line, an_order


def test_a_good_answer_is_read_as_its_model():
    assert read_answer(b'{"decision": "review", "reason": "over"}', CreditAnswer) == (
        CreditAnswer(decision="review", reason="over"))


def test_a_refusal_becomes_the_back_offices_own_error():
    [problem] = read_answer(b'{"error": {"code": "credit.blocked", "message": "blocked"}}',
                            CreditAnswer)
    assert (problem.code, problem.message) == ("credit.blocked", "blocked")


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"decision": "maybe"}',
                                  b'{"error": {"code": "X Y"}}', b'{"reason": "no decision"}'])
def test_an_unusable_answer_is_a_misfit(body):
    with pytest.raises(Misfit) as caught:
        read_answer(body, CreditAnswer)
    assert {e.code for e in caught.value.errors} == {"backoffice.invalid"}


def availability(*lines: tuple[str, str]) -> AvailabilityRequest:
    return AvailabilityRequest.model_validate({"items": [
        {"line_id": line_id, "product_code": code, "quantity": 1} for line_id, code in lines]})


def answered(*lines: tuple[str, str]) -> AvailabilityAnswer:
    return AvailabilityAnswer.model_validate({"lines": [
        {"line_id": line_id, "product_code": code, "available_quantity": 1,
         "available_date": "2026-11-23"} for line_id, code in lines]})


def test_availability_must_answer_every_line_asked_and_no_other():
    asked = availability(("1", "A"), ("2", "B"))
    check_availability(asked, answered(("2", "B"), ("1", "A")))
    for wrong in (answered(("1", "A")), answered(("1", "A"), ("2", "C")),
                  answered(("1", "A"), ("2", "B"), ("3", "C"))):
        with pytest.raises(Misfit):
            check_availability(asked, wrong)


def test_a_line_asked_twice_is_refused_where_it_first_appears():
    assert [(e.code, e.path) for e in repeated_lines(availability(("1", "A"), ("1", "B")))] == [
        ("line.duplicate_id", "items[0].line_id"), ("line.duplicate_id", "items[1].line_id")]


def test_price_taxes_must_cover_the_order_and_add_up():
    asked = PriceRequest.model_validate({"order": an_order("P", a_line("1"), a_line("2"))})
    good = {"lines": [{"line_id": "1", "tax": "1.00"}, {"line_id": "2", "tax": "2.00"}],
            "tax_total": "3.00", "shipping": "0"}
    check_price(asked, PriceAnswer.model_validate(good))
    with pytest.raises(Misfit):
        check_price(asked, PriceAnswer.model_validate(good | {"tax_total": "3.01"}))
    with pytest.raises(Misfit):
        check_price(asked, PriceAnswer.model_validate(good | {"lines": good["lines"][:1],
                                                              "tax_total": "1.00"}))
