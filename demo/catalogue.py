"""TeleMedia's products and the orders of the demo story, as a front office would send them."""

from typing import Any

ACCOUNT = "ACC-TELEMEDIA-0042"


def _line(line_id: str, code: str, name: str, parent: str | None = None, *,
          trackable: bool = True, recurring: str = "0", one_time: str = "0",
          **attributes: Any) -> dict[str, Any]:
    return {"line_id": line_id, "parent_line_id": parent, "action": "add",
            "product_code": code, "product_name": name, "trackable": trackable,
            "quantity": 1, "attributes": attributes,
            "price": {"one_time": one_time, "recurring": recurring}}


def phone_lines(n: int, plan_line: str = "1") -> list[dict[str, Any]]:
    """A phone with voicemail and EU roaming under the family plan."""
    phone = f"P{n}"
    return [
        _line(phone, "PHONE-LINE", f"Phone {n}", plan_line, recurring="9.99",
              msisdn=f"+31 6 1000 000{n}"),
        _line(f"{phone}-VM", "VOICEMAIL", "Voicemail", phone, greeting="standard"),
        _line(f"{phone}-RM", "ROAMING", "Roaming", phone, zone="EU"),
    ]


def family_plan_order(order_id: str, phones: int, revision: int = 1) -> dict[str, Any]:
    """The family 1500-minute plan with ``phones`` phones and a home installation."""
    items = [_line("1", "FAMILY-1500", "Family 1500-minute plan", recurring="59.00",
                   minutes=1500)]
    for n in range(1, phones + 1):
        items += phone_lines(n)
    items.append(_line("INST", "INSTALL", "Home installation", trackable=False,
                       one_time="49.00"))
    return {"order_id": order_id, "revision": revision,
            "kind": "new" if revision == 1 else "revision", "account_id": ACCOUNT,
            "currency": "EUR", "submitted_at": "2026-11-23T09:00:00+00:00",
            "customer_email": "anna.jansen@example.com", "items": items,
            # the home installation, booked by field service (no line: a delta may drop INST)
            "activities": [{"activity_id": "ACT-INST", "kind": "installation"}]}


def fulfilment(order_id: str, revision: int, line_ids: list[str], status: str,
               **per_line: Any) -> dict[str, Any]:
    return {"order_id": order_id, "revision": revision, "system": "provisioning",
            "lines": [{"line_id": line_id, "status": status, **per_line}
                      for line_id in line_ids]}
