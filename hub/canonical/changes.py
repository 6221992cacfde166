"""What a revision changed against the one before it, as billing and provisioning receive it."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from hub.canonical.types import Identifier


def _as_text(value: Any) -> Any:
    # money travels as a decimal string; letting pydantic coerce a Decimal to float would lose cents
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


ChangeValue = Annotated[str | int | float | bool | None, BeforeValidator(_as_text)]


class FieldChange(BaseModel):
    """One field of a line that differs, e.g. ``quantity`` or ``attributes.speed``."""

    field: str = Field(min_length=1, max_length=200)
    old: ChangeValue = None
    new: ChangeValue = None


class LineChange(BaseModel):
    line_id: Identifier
    fields: list[FieldChange] = Field(default_factory=list)


class RevisionChanges(BaseModel):
    """Lines added, removed and changed by a revision."""

    added: list[Identifier] = Field(default_factory=list)
    removed: list[Identifier] = Field(default_factory=list)
    changed: list[LineChange] = Field(default_factory=list)
