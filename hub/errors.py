"""Errors a caller must act on: values with a stable code, a JSON path and a sentence."""

from pydantic import BaseModel


class HubError(BaseModel):
    """One reason a request was refused, as it travels in a reply."""

    code: str
    path: str | None = None
    message: str


class Rejected(Exception):
    """A request the hub refuses; it changes nothing."""

    def __init__(self, *errors: HubError) -> None:
        super().__init__("; ".join(f"{e.code}: {e.message}" for e in errors))
        self.errors = list(errors)


def error(code: str, message: str, path: str | None = None) -> HubError:
    return HubError(code=code, path=path, message=message)


def json_path(loc: tuple[str | int, ...]) -> str | None:
    """Render a pydantic location as the contract's JSON path: ``items[2].asset_id``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or None
