"""Scenarios 1-6: an order to activation, a revision, assets, a delta order, the future."""

import copy

from demo import show
from demo.catalogue import ACCOUNT, family_plan_order
from demo.simulators import Billing, CustomerInbox, Provisioning
from hub.client import HubCaller, dead_letters


async def order_to_activation(caller: HubCaller, billing: Billing,
                              inbox: CustomerInbox) -> None:
    show.chapter("1. Order to activation", "Anna Jansen's rep turns her accepted quote into an "
                 "order: TeleMedia's family 1500-minute plan, three phones with voicemail and "
                 "roaming, and a home installation.")
    order = family_plan_order("ORD-1001", phones=3)
    show.step("front office submits order ORD-1001 on hub.asi / order.submit")
    show.reply((await caller.call("order.submit", order, correlation_id="quote-77")).json())
    await caller.wait_for("order.accepted", order_id="ORD-1001")
    await caller.wait_for("notification.email")
    show.events(caller.seen)
    [document] = billing.documents("billing.order")
    show.xml(document.body)
    [mail] = await inbox.wait()
    show.step(f"Anna's mailbox (SMTP): [bold]{mail['Subject']}[/] from {mail['From']}")

    show.step("a careless integration sends an order with a price written as 59,00")
    bad = family_plan_order("ORD-1002", phones=1)
    bad["items"][0]["price"]["recurring"] = "59,00"
    bad["items"][1]["action"] = "update"
    show.reply((await caller.call("order.submit", bad, message_id="bad-1002")).json())
    for message in await dead_letters(caller, "order.submit"):
        show.dead_letter(message)

    show.step("an order over the approval threshold (EUR 10,000) waits for a supervisor")
    big = family_plan_order("ORD-1003", phones=1) | {"account_id": "ACC-ENTERPRISE-7"}
    big["items"][0]["price"]["one_time"] = "25000.00"
    show.reply((await caller.call("order.submit", big)).json())
    show.step("supervisor Sam approves it on order.approve")
    decision = {"order_id": "ORD-1003", "revision": 1, "decision": "approve",
                "approver": "sam.supervisor"}
    show.reply((await caller.call("order.approve", decision)).json())


async def revision_and_assets(caller: HubCaller, billing: Billing,
                              provisioning: Provisioning) -> None:
    show.chapter("2-3. A revision, fulfilment and assets", "The next morning Anna adds two "
                 "phones for her children. The order is still open, so the front office sends "
                 "revision 2: the whole order again.")
    revision = family_plan_order("ORD-1001", phones=5, revision=2)
    show.reply((await caller.call("order.submit", revision)).json())
    [revised] = await caller.wait_for("order.revised")
    changes = revised.json()["data"]["changes"]
    show.step(f"order.revised: lines added {changes['added']}, removed {changes['removed']}")
    show.step("provisioning works the order: in progress, point of no return, completed")
    await provisioning.work_through(revision)
    show.step("billing has set up the charges and reports completion too")
    show.reply(await billing.complete(revision))
    show.step("a third revision now is too late:")
    late = family_plan_order("ORD-1001", phones=6, revision=3)
    show.reply((await caller.call("order.submit", late)).json())
    await caller.wait_for("asset.synced")
    trees = await _assets(caller, "current")
    show.asset_tree(f"assets of {ACCOUNT} (the installation is not an asset)", trees)


async def delta_order(caller: HubCaller, billing: Billing, provisioning: Provisioning) -> None:
    show.chapter("4-5. A delta order and the future state", "Weeks later Anna wants worldwide "
                 "roaming on phone 2. The front office reads her assets, edits the wanted "
                 "state and asks the hub for the delta.")
    wanted = await _assets(caller, "current")
    roaming = _find(wanted, "ORD-1001.P2-RM")
    roaming["attributes"]["zone"] = "WORLD"
    delta = (await caller.call("asset.delta", {"account_id": ACCOUNT,
                                               "wanted": copy.deepcopy(wanted)})).json()
    items = delta["result"]["items"]
    changed = [i for i in items if i["action"] != "none"]
    show.delta_lines(changed)
    show.step(f"(and {len(items) - len(changed)} lines with action none, which keep the tree)")
    modify = {"order_id": "ORD-2001", "account_id": ACCOUNT, "currency": "EUR",
              "submitted_at": "2026-12-21T10:00:00+00:00", "revision": 1, "items": items}
    show.step("submitted as ORD-2001; before provisioning, what will Anna have?")
    show.reply((await caller.call("order.submit", modify)).json())
    future = await _assets(caller, "future")
    show.asset_tree("future state (open orders applied)", future, {"ORD-1001.P2-RM"})
    show.step("provisioning and billing complete ORD-2001")
    await provisioning.work_through(modify)
    await billing.complete(modify)
    await caller.wait_for("asset.synced", count=2)
    show.asset_tree("assets after the delta order", await _assets(caller, "current"),
                    {"ORD-1001.P2-RM"})


async def _assets(caller: HubCaller, view: str) -> list[dict]:
    reply = await caller.call("asset.query", {"account_id": ACCOUNT, "view": view})
    return reply.json()["result"]["assets"]


def _find(trees: list[dict], asset_id: str) -> dict:
    for tree in trees:
        if tree["asset_id"] == asset_id:
            return tree
        if (found := _find(tree["children"], asset_id)) is not None:
            return found
    return None  # type: ignore[return-value]
