"""Customer e-mails from Jinja2 templates: a subject, a text part and an HTML part per kind.

The built-in templates live beside the hub; an operator replaces any of them, file by file,
with a directory of their own (``HUB_MAIL_TEMPLATES``): ``<kind>.subject.j2``,
``<kind>.txt.j2`` and ``<kind>.html.j2``.
"""

import functools
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from hub.canonical.notifications import Mail

BUILT_IN = Path(__file__).parent.parent / "mail_templates"
MAIL_KINDS = ("acknowledged", "shipped", "installation_scheduled", "completed", "failed")


class MailTemplates:
    """Renders customer e-mails; the operator's directory wins over the built-in templates."""

    def __init__(self, override: Path | None = None) -> None:
        search = [FileSystemLoader(override)] if override else []
        loader = ChoiceLoader([*search, FileSystemLoader(BUILT_IN)])
        # read once: an operator's change to a template takes effect when the hub restarts
        self._text = Environment(loader=loader, undefined=StrictUndefined, autoescape=False,
                                 auto_reload=False)
        self._html = Environment(loader=loader, undefined=StrictUndefined, autoescape=True,
                                 auto_reload=False)

    @staticmethod
    @functools.cache
    def built_in() -> "MailTemplates":
        return MailTemplates()

    def render(self, kind: str, to: str, order_id: str, context: dict[str, Any]) -> Mail:
        """The e-mail of ``kind`` for ``to``, filled from ``context``."""
        subject = self._text.get_template(f"{kind}.subject.j2").render(context)
        return Mail(
            to=to, order_id=order_id, kind=kind,
            # one line, whatever the template says: a newline would forge mail headers
            subject=" ".join(subject.split())[:200],
            text=self._text.get_template(f"{kind}.txt.j2").render(context).strip() + "\n",
            html=self._html.get_template(f"{kind}.html.j2").render(context),
        )
