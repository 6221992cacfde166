"""Scenario 6: a held revision is rejected while provisioning carries on with the revision in
force, and the order completes only once billing has completed it too."""

from demo import show
from demo.catalogue import family_plan_order
from demo.simulators import Billing, Provisioning
from hub.client import HubCaller

ACCOUNT = "ACC-TELEMEDIA-0077"


async def held_revision_rejected(caller: HubCaller, billing: Billing,
                                 provisioning: Provisioning) -> None:
    show.chapter("6. A held revision, and every system's word", "Bram Visser orders a family "
                 "plan with one phone. While it is being installed his company asks to add a "
                 "EUR 15,000 network upgrade: revision 2 waits for a supervisor, and "
                 "provisioning carries on with revision 1.")
    order = family_plan_order("ORD-3001", phones=1) | {"account_id": ACCOUNT}
    show.reply((await caller.call("order.submit", order)).json())
    await provisioning.report(order, "in_progress")
    upgrade = family_plan_order("ORD-3001", phones=2, revision=2) | {"account_id": ACCOUNT}
    upgrade["items"][0]["price"]["one_time"] = "15000.00"
    show.step("revision 2 is submitted; it is held and revision 1 stays in force")
    show.reply((await caller.call("order.submit", upgrade)).json())
    await _show_order(caller)
    show.step("provisioning reaches the point of no return on revision 1: accepted")
    show.reply(await provisioning.report(order, "point_of_no_return", ["P1"]))
    show.step("supervisor Sam tries to approve revision 2: too late")
    decision = {"order_id": "ORD-3001", "revision": 2, "decision": "approve",
                "approver": "sam.supervisor"}
    show.reply((await caller.call("order.approve", decision)).json())
    show.step("Sam rejects it; revision 1 is untouched")
    rejection = decision | {"decision": "reject", "reason": "past the point of no return; "
                            "order the upgrade as a new order"}
    show.reply((await caller.call("order.approve", rejection)).json())
    await caller.wait_for("order.revision_rejected", order_id="ORD-3001")
    show.step("provisioning completes revision 1; the lines wait for billing")
    await provisioning.report(order, "completed")
    await _show_order(caller)
    show.step("billing reports its own completion: now the order is completed")
    show.reply(await billing.complete(order))
    await caller.wait_for("asset.synced", account_id=ACCOUNT)
    await _show_order(caller, history=True)


async def _show_order(caller: HubCaller, history: bool = False) -> None:
    view = (await caller.call("order.get", {"order_id": "ORD-3001"})).json()["result"]
    pending = view["pending_revision"]
    show.step(f"order.get: revision {view['revision']} in force, status {view['status']}, "
              f"pending revision: {pending['revision'] if pending else 'none'}; line 1 "
              f"{view['items'][0]['status']} {view['items'][0]['systems']}")
    if history:
        show.step("history: " + ", ".join(f"{c['status']} at {c['at'][11:19]}"
                                          for c in view["history"]))
