"""Whether a back-office answer fits the request it answers; a misfit is ``backoffice.invalid``."""

import json
from collections import Counter
from decimal import Decimal
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from hub.canonical.backoffice import (
    AvailabilityAnswer,
    AvailabilityRequest,
    BackOfficeError,
    PriceAnswer,
    PriceRequest,
)
from hub.errors import HubError, error, json_path

A = TypeVar("A", bound=BaseModel)
INVALID = "backoffice.invalid"


class Misfit(Exception):
    """The back office answered something the hub cannot use."""

    def __init__(self, *reasons: str) -> None:
        super().__init__("; ".join(reasons))
        self.errors = [error(INVALID, f"the back office answered something unusable: {r}")
                       for r in reasons]


def read_answer(body: bytes, model: type[A]) -> A | list[HubError]:
    """The answer as ``model``, or the back office's own refusal as errors; raises Misfit."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise Misfit("the answer is not JSON") from None
    if isinstance(document, dict) and "error" in document:
        try:
            refusal = BackOfficeError.model_validate(document).error
        except ValidationError as exc:
            raise Misfit(*_reasons(exc)) from None
        return [error(refusal.code, refusal.message)]
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise Misfit(*_reasons(exc)) from None


def repeated_lines(request: AvailabilityRequest) -> list[HubError]:
    """A line asked about twice cannot be told apart in the answer."""
    seen = Counter(item.line_id for item in request.items)
    return [error("line.duplicate_id", f"line id {item.line_id} appears {seen[item.line_id]} "
                  "times", f"items[{n}].line_id")
            for n, item in enumerate(request.items) if seen[item.line_id] > 1]


def check_availability(request: AvailabilityRequest, answer: AvailabilityAnswer) -> None:
    """Every requested line answered once, for the product asked about; nothing else."""
    asked = {item.line_id: item.product_code for item in request.items}
    answered = [(line.line_id, line.product_code) for line in answer.lines]
    if sorted(answered) != sorted(asked.items()):
        raise Misfit(f"lines {sorted(answered)} do not match the lines asked about "
                     f"{sorted(asked.items())}")


def check_price(request: PriceRequest, answer: PriceAnswer) -> None:
    """Tax for every line of the order once, adding up to the tax total."""
    asked = sorted(item.line_id for item in request.order.items)
    answered = sorted(line.line_id for line in answer.lines)
    if answered != asked:
        raise Misfit(f"taxed lines {answered} are not the order's lines {asked}")
    line_taxes = sum((line.tax for line in answer.lines), Decimal(0))
    if line_taxes != answer.tax_total:
        raise Misfit(f"line taxes add up to {line_taxes}, not the tax total {answer.tax_total}")


def _reasons(exc: ValidationError) -> list[str]:
    return [f"{json_path(tuple(e['loc'])) or 'the answer'}: {e['msg']}"
            for e in exc.errors(include_url=False)]
