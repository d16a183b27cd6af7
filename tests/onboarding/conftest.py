"""A content folder with an onboarding program, and a real local SMTP server."""

import socket
import textwrap

import pytest
from aiosmtpd.controller import Controller


@pytest.fixture
def program_dir(app, tmp_path):
    """Point CONTENT_DIR at a folder whose onboarding.yaml names lessons 1.1 and 1.2."""
    (tmp_path / "onboarding.yaml").write_text(
        textwrap.dedent(
            """\
            title: 新员工入职基础培训
            due_months: 1
            lessons:
              - "1.1"
              - "1.2"
            """
        ),
        encoding="utf-8",
    )
    app.config["CONTENT_DIR"] = str(tmp_path)
    return tmp_path


class Inbox:
    """Collects every message the SMTP server receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback (aiosmtpd); the app is configured to use it."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SENDER="lms@example.com")
    yield inbox
    controller.stop()
