"""A message to a person, as the hub asks the mail connector to send it."""

from pydantic import BaseModel, Field


class Mail(BaseModel):
    to: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    subject: str = Field(max_length=200)
    text: str
