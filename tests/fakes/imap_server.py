"""A real IMAP4rev1 server on loopback, speaking just enough of the protocol for imap-tools.

One mailbox (INBOX) of messages kept in memory; `FakeImapServer.add(raw)` delivers one.
Commands: CAPABILITY, LOGIN (checks `users`), SELECT/EXAMINE, UID SEARCH (ALL, UNSEEN),
UID FETCH (BODY[] / BODY.PEEK[], UID, FLAGS, RFC822.SIZE), UID STORE +/-FLAGS, EXPUNGE,
NOOP, CLOSE, LOGOUT. What the server was asked is kept in `commands` for assertions.
"""

from __future__ import annotations

import re
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StoredMail:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _send(self, line: str | bytes) -> None:
        data = line.encode() if isinstance(line, str) else line
        self.wfile.write(data + b"\r\n")

    def handle(self) -> None:
        fake = self.server.fake
        self._send("* OK [CAPABILITY IMAP4rev1] fake IMAP ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            tag, _, rest = text.partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            with fake.lock:
                fake.commands.append(f"{command} {args}".strip())
            if command == "UID":
                sub, _, args = args.partition(" ")
                command = "UID " + sub.upper()
            handler = getattr(self, "_" + command.replace(" ", "_").lower(), None)
            if handler is None:
                self._send(f"{tag} BAD unknown command")
                continue
            if handler(tag, args) is False:
                return

    def _capability(self, tag: str, args: str) -> None:
        self._send("* CAPABILITY IMAP4rev1 UIDPLUS")
        self._send(f"{tag} OK CAPABILITY completed")

    def _noop(self, tag: str, args: str) -> None:
        self._send(f"{tag} OK NOOP completed")

    def _login(self, tag: str, args: str) -> None:
        parts = [p.strip('"') for p in args.split(" ", 1)]
        if self.server.fake.users.get(parts[0]) != (parts[1] if len(parts) > 1 else None):
            self._send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials")
            return
        self._send(f"{tag} OK LOGIN completed")

    def _select(self, tag: str, args: str) -> None:
        mails = self.server.fake.mails
        self._send(f"* {len(mails)} EXISTS")
        self._send("* 0 RECENT")
        self._send("* OK [UIDVALIDITY 1] UIDs valid")
        self._send("* FLAGS (\\Seen \\Deleted)")
        self._send(f"{tag} OK [READ-WRITE] SELECT completed")

    _examine = _select

    def _uid_search(self, tag: str, args: str) -> None:
        unseen = "UNSEEN" in args.upper()
        uids = [
            str(m.uid)
            for m in self.server.fake.mails
            if not (unseen and "\\Seen" in m.flags) and "\\Deleted" not in m.flags
        ]
        self._send("* SEARCH" + "".join(f" {u}" for u in uids))
        self._send(f"{tag} OK SEARCH completed")

    def _selected(self, spec: str) -> list[tuple[int, StoredMail]]:
        wanted = {int(u) for u in spec.split(",") if u.isdigit()}
        return [(n, m) for n, m in enumerate(self.server.fake.mails, 1) if m.uid in wanted]

    def _uid_fetch(self, tag: str, args: str) -> None:
        spec, _, items = args.partition(" ")
        peek = "BODY.PEEK[" in items.upper()
        for number, mail in self._selected(spec):
            if not peek:
                mail.flags.add("\\Seen")
            flags = " ".join(sorted(mail.flags))
            head = f"* {number} FETCH (UID {mail.uid} FLAGS ({flags}) "
            head += f"RFC822.SIZE {len(mail.raw)} BODY[] {{{len(mail.raw)}}}"
            self._send(head)
            self.wfile.write(mail.raw)
            self._send(")")
        self._send(f"{tag} OK FETCH completed")

    def _uid_store(self, tag: str, args: str) -> None:
        spec, _, rest = args.partition(" ")
        how, _, flags_text = rest.partition(" ")
        flags = set(re.findall(r"\\?\w+", flags_text))
        for number, mail in self._selected(spec):
            if how.upper().startswith("+"):
                mail.flags |= flags
            else:
                mail.flags -= flags
            self._send(f"* {number} FETCH (UID {mail.uid} FLAGS ({' '.join(sorted(mail.flags))}))")
        self._send(f"{tag} OK STORE completed")

    def _expunge(self, tag: str, args: str) -> None:
        fake = self.server.fake
        with fake.lock:
            fake.mails = [m for m in fake.mails if "\\Deleted" not in m.flags]
        self._send(f"{tag} OK EXPUNGE completed")

    def _close(self, tag: str, args: str) -> None:
        self._send(f"{tag} OK CLOSE completed")

    def _logout(self, tag: str, args: str) -> bool:
        self._send("* BYE logging out")
        self._send(f"{tag} OK LOGOUT completed")
        return False


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeImapServer


class FakeImapServer:
    """The server; `url(...)` is an ASSISTANT_IMAP_URL for it."""

    def __init__(self, users: dict[str, str] | None = None) -> None:
        self.users = users or {"care": "secret"}
        self.mails: list[StoredMail] = []
        self.commands: list[str] = []
        self.lock = threading.Lock()
        self._next_uid = 1
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, user: str = "care", password: str = "secret", **query: Any) -> str:
        extra = "&".join(f"{k}={v}" for k, v in query.items())
        return f"imap://{user}:{password}@127.0.0.1:{self.port}/INBOX" + (
            f"?{extra}" if extra else ""
        )

    def add(self, raw: bytes, *, seen: bool = False) -> int:
        with self.lock:
            uid = self._next_uid
            self._next_uid += 1
            self.mails.append(StoredMail(uid, raw, {"\\Seen"} if seen else set()))
            return uid

    def flags(self, uid: int) -> set[str]:
        return next(m.flags for m in self.mails if m.uid == uid)

    def start(self) -> FakeImapServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def running_fake_imap(users: dict[str, str] | None = None) -> Iterator[FakeImapServer]:
    server = FakeImapServer(users).start()
    try:
        yield server
    finally:
        server.stop()
