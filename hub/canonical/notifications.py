"""A message to a person, as the hub asks the mail connector to send it."""

from pydantic import BaseModel, Field


class Mail(BaseModel):
    to: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    subject: str = Field(max_length=200)
    text: str
    html: str | None = None
    # what the e-mail is about: the order, and which of the customer e-mails it is
    order_id: str | None = None
    kind: str | None = None
