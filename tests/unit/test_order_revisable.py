"""Whether an order may still be revised: a pure rule over the order's head, no store."""

import pytest

from hub.canonical.orders import Order
from hub.errors import Rejected
from hub.orders.revisions import OrderHead, check_revisable
from tests.support.factories import an_order


def a_head(**changes) -> OrderHead:
    values = {"order_id": "ORD-1", "account_id": "ACC-42", "current_revision": 1,
              "status": "acknowledged", "point_of_no_return": False}
    return OrderHead(**(values | changes))


def a_revision(revision: int = 2, **changes) -> Order:
    return Order.model_validate(an_order("ORD-1", revision=revision, kind="revision", **changes))


def refusal(head: OrderHead | None, order: Order) -> tuple[str, str | None]:
    with pytest.raises(Rejected) as refused:
        check_revisable(head, order)
    [problem] = refused.value.errors
    return problem.code, problem.path


def test_the_next_revision_of_an_open_order_may_be_submitted():
    head = a_head()
    assert check_revisable(head, a_revision()) == head


@pytest.mark.parametrize("head, order, expected", [
    (None, a_revision(), ("order.unknown", "order_id")),
    (a_head(), a_revision(3), ("order.revision_not_next", "revision")),
    (a_head(), a_revision(account_id="ACC-77"), ("order.account_mismatch", "account_id")),
    (a_head(status="completed"), a_revision(), ("order.closed", "order_id")),
    (a_head(status="cancelled"), a_revision(), ("order.closed", "order_id")),
    (a_head(point_of_no_return=True), a_revision(),
     ("order.past_point_of_no_return", "order_id")),
], ids=["unknown", "out-of-turn", "other-account", "completed", "cancelled", "too-late"])
def test_a_revision_out_of_turn_too_late_or_elsewhere_is_refused(head, order, expected):
    assert refusal(head, order) == expected
