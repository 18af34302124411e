"""An aiosmtpd handler for the mail tests.

Run as: python3 -m aiosmtpd -n -c smtp_test_handlers.TestMailbox DIR [USER PASS]

Like aiosmtpd.handlers.Mailbox it stores each accepted mail in the Maildir
DIR, and also:
- answers RCPT for the local part "temporary-failure" with 451 and for
  "no-such-user" with 550;
- answers DATA with 554 for a message that has the header
  "X-Test-Reject: permanent" and with 451 for "X-Test-Reject: temporary";
- adds "X-Test-TLS: yes|no" and "X-Test-Authenticated-As: USER|none" to the
  stored mail;
- accepts AUTH PLAIN and AUTH LOGIN for USER and PASS when given (aiosmtpd
  offers AUTH only after STARTTLS).
"""

import base64
import binascii

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import MISSING, AuthResult, LoginPassword


class TestMailbox(Mailbox):
    def __init__(self, mail_dir, username=None, password=None):
        super().__init__(mail_dir)
        self.username = username.encode() if username else None
        self.password = password.encode() if password else None

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) not in (1, 3):
            parser.error("expected DIR [USER PASS]")
        return cls(*args)

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        local_part = address.split("@")[0]
        if local_part == "temporary-failure":
            return "451 4.3.0 Try again later"
        if local_part == "no-such-user":
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if b"\nX-Test-Reject: permanent" in envelope.content:
            return "554 5.7.1 Message rejected"
        if b"\nX-Test-Reject: temporary" in envelope.content:
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)

    def prepare_message(self, session, envelope):
        message = super().prepare_message(session, envelope)
        message["X-Test-TLS"] = "yes" if session.ssl is not None else "no"
        user = "none"
        if session.authenticated and session.auth_data is not None:
            user = session.auth_data.login.decode()
        message["X-Test-Authenticated-As"] = user
        return message

    def _check(self, login, password):
        ok = (self.username is not None and login == self.username
              and password == self.password)
        return AuthResult(
            success=ok,
            handled=False,
            auth_data=LoginPassword(login, password) if ok else None)

    async def auth_PLAIN(self, server, args):
        if len(args) == 1:
            blob = await server.challenge_auth("")
            if blob is MISSING:
                return AuthResult(success=False)
        else:
            try:
                blob = base64.b64decode(args[1].encode(), validate=True)
            except binascii.Error:
                return AuthResult(success=False)
        try:
            _, login, password = blob.split(b"\0")
        except ValueError:
            return AuthResult(success=False)
        return self._check(login, password)

    async def auth_LOGIN(self, server, args):
        if len(args) == 1:
            login = await server.challenge_auth(
                server.AuthLoginUsernameChallenge)
            if login is MISSING:
                return AuthResult(success=False)
        else:
            try:
                login = base64.b64decode(args[1].encode(), validate=True)
            except binascii.Error:
                return AuthResult(success=False)
        password = await server.challenge_auth(
            server.AuthLoginPasswordChallenge)
        if password is MISSING:
            return AuthResult(success=False)
        return self._check(login, password)
