#!/usr/bin/python3
"""A real SMTP server for the black-box tests: Debian's python3-aiosmtpd on 127.0.0.1.

    smtp_sink.py DIR [--port N] [--user U --password P]

Listens on 127.0.0.1:N (0, the default, picks a free port) and prints "smtp listening on PORT" once ready. Each
message received is written to DIR/<time_ns>-<n>.eml (names sort in arrival order, also over restarts), the envelope first as "X-Envelope-From:" and "X-Envelope-To:" lines.
With --user/--password it requires AUTH (PLAIN or LOGIN, allowed without TLS: the tests stay on loopback). Runs
until SIGTERM.
"""
import argparse
import asyncio
import os
import signal
import socket
import sys
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        head = "X-Envelope-From: %s\r\nX-Envelope-To: %s\r\n" % (envelope.mail_from, ",".join(envelope.rcpt_tos))
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        final = os.path.join(self.directory, "%020d-%d.eml" % (time.time_ns(), self.count))
        tmp = final + ".tmp"
        with open(tmp, "wb") as f:
            f.write(head.encode("utf-8") + content)
        os.replace(tmp, final)  # whole files only: a test reading the folder never sees half a message
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()
    os.makedirs(args.directory, exist_ok=True)

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user and \
            auth_data.password.decode() == args.password
        return AuthResult(success=ok)

    handler = Sink(args.directory)
    kwargs = {}
    if args.user:
        kwargs = dict(authenticator=authenticate, auth_required=True, auth_require_tls=False)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(16)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(handler, hostname="sink.test", **kwargs), sock=sock))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    print("smtp listening on %d" % sock.getsockname()[1], flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
