"""How the demo shows what happened: replies, events, XML and asset trees, for a person."""

import json
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.tree import Tree

console = Console(highlight=False)

STATUS_STYLE = {"accepted": "green", "ok": "green", "rejected": "bold red"}


def chapter(title: str, story: str) -> None:
    console.rule(f"[bold cyan]{title}")
    console.print(f"[italic]{story}[/]\n")


def step(text: str) -> None:
    console.print(f"[bold]>[/] {text}")


def reply(body: dict[str, Any]) -> None:
    style = STATUS_STYLE.get(body["status"], "white")
    line = f"  reply [{style}]{body['status']}[/]"
    result = body.get("result") or {}
    for key in ("status", "transfer_status", "external_id", "opportunity_id"):
        if result.get(key):
            line += f"  {key.replace('_', ' ')} [bold]{result[key]}[/]"
    console.print(line)
    for err in body.get("errors", []):
        console.print(f"    [red]{err['code']}[/] at [yellow]{err.get('path')}[/]: "
                      f"{err['message']}")


def events(received: list, title: str = "what the hub published") -> None:
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("exchange key")
    table.add_column("type")
    table.add_column("about")
    for message in received:
        table.add_row(message.routing_key, message.content_type or "", _about(message))
    console.print(table)


def _about(message) -> str:  # type: ignore[no-untyped-def]
    if message.content_type != "application/json":
        return f"{len(message.body)} bytes of XML, valid against its XSD"
    body = message.json()
    data = body.get("data", body)
    keys = ("order_id", "revision", "status", "asset_id", "opportunity_id", "transfer_status",
            "to", "subject")
    return ", ".join(f"{k}={data[k]}" for k in keys if data.get(k) is not None)[:90]


def xml(document: bytes, lines: int = 18) -> None:
    text = "\n".join(document.decode().splitlines()[:lines]) + "\n  ..."
    console.print(Panel(Syntax(text, "xml", theme="ansi_dark"), title="billing XML",
                        expand=False))


def asset_tree(title: str, trees: list[dict[str, Any]], highlight: set[str] = frozenset()
               ) -> None:
    root = Tree(f"[bold]{title}[/]")
    for asset in trees:
        _branch(root, asset, highlight)
    if not trees:
        root.add("[dim](no assets)[/]")
    console.print(root)


def _branch(parent: Tree, asset: dict[str, Any], highlight: set[str]) -> None:
    attributes = ", ".join(f"{k}={v}" for k, v in asset["attributes"].items())
    style = "bold yellow" if asset["asset_id"] in highlight else "white"
    status = "" if asset["status"] == "active" else f" [red]{asset['status']}[/]"
    node = parent.add(f"[{style}]{asset['product_name']}[/] [dim]{asset['asset_id']}[/]"
                      f"{status}  [cyan]{attributes}[/]")
    for child in asset["children"]:
        _branch(node, child, highlight)


def delta_lines(items: list[dict[str, Any]]) -> None:
    table = Table(title="delta order lines", title_justify="left", show_edge=False)
    for column in ("line", "action", "asset", "product", "changes"):
        table.add_column(column)
    for item in items:
        style = {"none": "dim", "update": "yellow", "delete": "red", "add": "green"}
        changes = ""
        if item["action"] == "update":
            changes = ", ".join(f"{k}: {item['old_attributes'].get(k)} -> {v}"
                                for k, v in item["attributes"].items())
        table.add_row(item["line_id"], f"[{style.get(item['action'], 'white')}]"
                      f"{item['action']}[/]", item.get("asset_id") or "",
                      item["product_name"], changes)
    console.print(table)


def dead_letter(message) -> None:  # type: ignore[no-untyped-def]
    console.print(f"  kept in [bold]asi.order.submit.dlq[/]: message_id={message.message_id} "
                  f"x-hub-error=[red]{message.headers.get('x-hub-error')}[/]")


def as_json(data: Any) -> str:
    return json.dumps(data, indent=2)
