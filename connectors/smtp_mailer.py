"""Sending e-mail through an SMTP server (stdlib smtplib, off the event loop)."""

import asyncio
import smtplib
from email.message import EmailMessage
from urllib.parse import urlparse

from hub.canonical.notifications import Mail


class SmtpMailer:
    """Sends one mail per call; a failure raises so the message is retried, never dropped."""

    def __init__(self, smtp_url: str, sender: str, timeout: float = 10.0) -> None:
        url = urlparse(smtp_url)
        self._host, self._port = url.hostname or "127.0.0.1", url.port or 25
        self._tls = url.scheme == "smtps"
        self._login = (url.username, url.password) if url.username else None
        self._sender = sender
        self._timeout = timeout

    async def send(self, mail: Mail) -> None:
        await asyncio.to_thread(self._send, mail)

    def _send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self._sender, mail.to, mail.subject
        message.set_content(mail.text)
        if mail.html:
            message.add_alternative(mail.html, subtype="html")
        smtp_class = smtplib.SMTP_SSL if self._tls else smtplib.SMTP
        with smtp_class(self._host, self._port, timeout=self._timeout) as smtp:
            if self._login:
                smtp.login(*self._login)
            smtp.send_message(message)
