"""Line and order status: lines only move forward, the order's status is derived from them."""

from collections.abc import Iterable, Mapping, Sequence

# how far a line has come; a report of a lower rank than the line's is stale and ignored
RANK = {"acknowledged": 0, "held": 0, "in_progress": 1, "point_of_no_return": 2,
        "completed": 3, "failed": 3}
FINAL = frozenset({"completed", "failed"})
OPEN_ORDER = frozenset({"acknowledged", "held", "in_progress"})


def advance(current: str, reported: str) -> str:
    """The line's status after a report: forward only, and a final status never changes."""
    if current in FINAL or RANK.get(reported, -1) <= RANK.get(current, -1):
        return current
    return reported


def line_status(current: str, systems: Mapping[str, str], required: Sequence[str]) -> str:
    """The line's status from what each required system last reported about it.

    Completed only when every required system completed it, failed when any failed it,
    at its point of no return when any reported that; never backwards.
    """
    reported = [systems[name] for name in required if name in systems]
    if "failed" in reported:
        derived = "failed"
    elif len(reported) == len(required) and all(s == "completed" for s in reported):
        derived = "completed"
    elif "point_of_no_return" in reported:
        derived = "point_of_no_return"
    elif reported:
        derived = "in_progress"
    else:
        return current
    return advance(current, derived)


def order_status(line_statuses: Iterable[str]) -> str:
    """The order's status from its lines' statuses (README maps the names to TMF622's)."""
    statuses = list(line_statuses)
    if statuses and all(s in FINAL for s in statuses):
        if all(s == "completed" for s in statuses):
            return "completed"
        return "failed" if all(s == "failed" for s in statuses) else "partial"
    if any(RANK.get(s, 0) > 0 for s in statuses):
        return "in_progress"
    return "acknowledged"


def past_point_of_no_return(line_statuses: Iterable[str]) -> bool:
    return any(RANK.get(s, 0) >= RANK["point_of_no_return"] for s in line_statuses)
