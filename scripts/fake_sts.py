#!/usr/bin/env python3
"""A fake AWS STS endpoint on 127.0.0.1, so terraform can plan offline providers that ask STS first.

A provider with ``assume_role`` calls STS AssumeRole when it is configured, and one with
``allowed_account_ids`` (or ``skip_requesting_account_id = false``, or a ``data.aws_caller_identity``)
calls GetCallerIdentity. With fake credentials and no network those plans stop before printing
anything. Fixture providers point ``endpoints { sts = "http://127.0.0.1:48231" }`` here:

- AssumeRole(RoleArn=arn:aws:iam::ACCOUNT:role/...) returns credentials whose key id ends in ACCOUNT;
- GetCallerIdentity answers the account at the end of the calling key id (12 digits), else
  111111111111 (so ``access_key = "AKIAFAKEFAKEFAKE"`` is account 111111111111 and
  ``access_key = "AKIAFAKE333333333333"`` account 333333333333).

Nothing else is answered. Python 3.11 standard library only; used by scripts/regen_plans.py.
"""
from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

PORT = 48231
DEFAULT_ACCOUNT = "111111111111"
_NS = "https://sts.amazonaws.com/doc/2011-06-15/"


def _account_of_key(authorization: str) -> str:
    match = re.search(r"Credential=([A-Z0-9]+)/", authorization or "")
    key = match.group(1) if match else ""
    return key[-12:] if re.fullmatch(r".*\d{12}", key) else DEFAULT_ACCOUNT


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the http.server interface
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        action = form.get("Action")
        if action == "AssumeRole":
            match = re.match(r"^arn:aws[a-z-]*:iam::(\d{12}):role/(.+)$", form.get("RoleArn", ""))
            if not match:
                return self._reply(400, "<ErrorResponse><Error><Code>ValidationError</Code></Error></ErrorResponse>")
            account, role = match.groups()
            session = form.get("RoleSessionName", "session")
            body = (f'<AssumeRoleResponse xmlns="{_NS}"><AssumeRoleResult><Credentials>'
                    f"<AccessKeyId>ASIAFAKE{account}</AccessKeyId><SecretAccessKey>fake</SecretAccessKey>"
                    "<SessionToken>fake</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>"
                    f"</Credentials><AssumedRoleUser><AssumedRoleId>AROAFAKE:{session}</AssumedRoleId>"
                    f"<Arn>arn:aws:sts::{account}:assumed-role/{role}/{session}</Arn></AssumedRoleUser>"
                    "</AssumeRoleResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata>"
                    "</AssumeRoleResponse>")
            return self._reply(200, body)
        if action == "GetCallerIdentity":
            account = _account_of_key(self.headers.get("Authorization", ""))
            body = (f'<GetCallerIdentityResponse xmlns="{_NS}"><GetCallerIdentityResult>'
                    f"<Arn>arn:aws:iam::{account}:user/fake</Arn><UserId>AIDAFAKE</UserId>"
                    f"<Account>{account}</Account></GetCallerIdentityResult>"
                    "<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></GetCallerIdentityResponse>")
            return self._reply(200, body)
        return self._reply(400, "<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>")

    def _reply(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:  # quiet
        pass


def start(port: int = PORT) -> ThreadingHTTPServer:
    """Serve in a daemon thread; call ``shutdown()`` on the result to stop."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    start().serve_forever()
