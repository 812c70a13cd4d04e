"""E-mail backends for tests about sending: a process that dies mid-send, a slow server.

Set one with ``settings.EMAIL_BACKEND = "tests.mailboxes.DyingBackend"`` (in this
process) or ``BALISE_EMAIL_BACKEND`` (for a child process, see tests/subprocesses.py).
"""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend


class DyingBackend(EmailBackend):
    """The mail server takes each message; after the first one to an address containing
    ``DyingBackend.victim``, the process is "killed" (KeyboardInterrupt stands for SIGKILL:
    the code around the send gets no chance to record anything)."""

    victim = "gite@"

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        if any(self.victim in address for message in messages for address in message.to):
            raise KeyboardInterrupt
        return sent


class SlowFileBackend(BaseEmailBackend):
    """One file per message in ``$BALISE_TEST_MAILDIR``, written when the server "takes"
    the message, then ``$BALISE_TEST_MAIL_DELAY`` seconds before the send returns: a
    worker killed during that wait has sent the message but not recorded it."""

    def send_messages(self, messages):
        folder = Path(os.environ["BALISE_TEST_MAILDIR"])
        for message in messages:
            name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
            (folder / f".{name}").write_bytes(message.message().as_bytes())
            (folder / f".{name}").rename(folder / name)  # complete files only
            time.sleep(float(os.environ.get("BALISE_TEST_MAIL_DELAY", "0.2")))
        return len(messages)


def delivered(folder: Path) -> list[str]:
    """The recipients of the messages a :class:`SlowFileBackend` wrote, one per message."""
    recipients = []
    for path in sorted(folder.glob("*.eml")):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("To: "):
                recipients.append(line.removeprefix("To: ").strip())
                break
    return recipients
