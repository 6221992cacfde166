"""Order-entry checks before the family plan is ordered; the phones shipped; the installer booked."""

from datetime import date
from decimal import Decimal

from demo import show
from demo.catalogue import ACCOUNT, family_plan_order
from demo.simulators import CustomerInbox
from hub.client import HubCaller
from simulators.backoffice import BackOfficeBook

ORDER = "ORD-1001"


def telemedia_back_office() -> BackOfficeBook:
    """TeleMedia's credit, warehouse, tax and payment systems as the demo sees them."""
    return BackOfficeBook(credit_limits={ACCOUNT: Decimal(2500)},
                          stock={"PHONE-LINE": 40, "INSTALL": 0}, restock_days=3,
                          tax_rates={"INSTALL": Decimal("0.09")},
                          declined_tokens={"tok_expired_visa"}, today=date(2026, 11, 23))


async def order_entry_checks(caller: HubCaller) -> None:
    show.chapter("0. Order-entry checks", "Before Anna's rep submits the family plan, the front "
                 "office asks the back office, through the hub, about credit, stock, tax and "
                 "the card for the one-time charges.")
    order = family_plan_order(ORDER, phones=3)
    total = sum(Decimal(i["price"]["one_time"]) + Decimal(i["price"]["recurring"])
                for i in order["items"])
    show.step(f"credit.check for {ACCOUNT}, EUR {total}")
    credit = (await caller.call("credit.check", {"account_id": ACCOUNT, "amount": str(total),
                                                 "currency": "EUR", "order_id": ORDER})).json()
    show.reply(credit)
    result = credit["result"]
    show.step(f"  decision [bold]{result['decision']}[/], check {result['check_id']} valid "
              f"until {result['valid_until'][:16]}")
    show.step("availability.check for the phones and the installation")
    wanted = [{"line_id": i["line_id"], "product_code": i["product_code"], "quantity": 1}
              for i in order["items"] if i["product_code"] in ("PHONE-LINE", "INSTALL")]
    availability = (await caller.call("availability.check", {"items": wanted})).json()
    for line in availability["result"]["lines"]:
        show.step(f"  {line['line_id']:5} {line['product_code']:11} "
                  f"{line['available_quantity']:3} in stock, from {line['available_date']}")
    show.step("price.calculate: tax per line and shipping")
    price = (await caller.call("price.calculate", {"order": order})).json()["result"]
    show.step(f"  tax EUR {price['tax_total']}, shipping EUR {price['shipping']}, "
              f"total EUR {price['total']}")
    show.step("payment.authorize EUR 49.00 for the installation on Anna's card token")
    card = {"account_id": ACCOUNT, "amount": "49.00", "currency": "EUR",
            "card_token": "tok_visa_anna", "order_id": ORDER}
    authorized = (await caller.call("payment.authorize", card)).json()
    show.reply(authorized)
    show.step(f"  {authorized['result']['decision']}: {authorized['result']['authorization_id']}")
    show.step("a careless form posts the card number itself instead of the token:")
    show.reply((await caller.call("payment.authorize",
                                  card | {"card_token": "4111 1111 1111 1111"})).json())
    show.step("(refused before anything reads it; the dead letter keeps ************1111)")


async def shipped_and_installation(caller: HubCaller, inbox: CustomerInbox) -> None:
    show.chapter("1b. Shipped, and the installer booked", "The warehouse ships the three phones; "
                 "field service books the home installation. Anna hears about both.")
    notice = {"order_id": ORDER, "shipment_id": "SHP-77001", "carrier": "PostNL",
              "tracking_id": "3STMED0077001", "shipped_at": "2026-11-24T08:15:00+01:00",
              "lines": ["P1", "P2", "P3"]}
    show.step("warehouse: shipment.notify SHP-77001 (PostNL 3STMED0077001) for P1, P2, P3")
    show.reply((await caller.call("shipment.notify", notice)).json())
    await caller.wait_for("order.shipped", order_id=ORDER)
    booking = {"order_id": ORDER, "activity_id": "ACT-INST", "status": "scheduled",
               "scheduled_for": "2026-11-27T09:00:00+01:00",
               "note": "The engineer calls 30 minutes ahead."}
    show.step("field service: activity.update ACT-INST scheduled for 27 November, 09:00")
    show.reply((await caller.call("activity.update", booking)).json())
    await caller.wait_for("order.activity_updated", order_id=ORDER)
    for mail in await _after_order_mails(inbox):
        text = next(part.get_payload(decode=True).decode() for part in mail.walk()
                    if part.get_content_type() == "text/plain")
        show.step(f"Anna's mailbox (SMTP): [bold]{mail['Subject']}[/]")
        for line in text.strip().splitlines():
            show.console.print(f"      {line}")
    view = (await caller.call("order.get", {"order_id": ORDER})).json()["result"]
    show.step("order.get: shipments " + ", ".join(
        f"{s['shipment_id']} ({s['carrier']} {s['tracking_id']})" for s in view["shipments"])
        + "; activities " + ", ".join(f"{a['activity_id']} {a['status']}"
                                      for a in view["activities"]))


async def _after_order_mails(inbox: CustomerInbox) -> list:
    """Anna's shipped and installation e-mails, once both have arrived."""
    for _ in range(100):
        found = [m for m in inbox.mails if ORDER in m["Subject"]
                 and ("shipped" in m["Subject"] or "installation" in m["Subject"])]
        if len(found) == 2:
            return found
        await inbox.wait(len(inbox.mails) + 1, timeout=0.2)
    return found
