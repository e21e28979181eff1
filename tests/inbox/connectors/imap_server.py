"""A small IMAP4rev1 server on 127.0.0.1 for the poller's tests (asyncio, in a thread of
its own): one user, one mailbox, the commands a mail reader needs.

It speaks the real protocol, tags, literals and all: CAPABILITY, LOGIN, SELECT/EXAMINE,
SEARCH, FETCH, STORE (each also as UID ...), NOOP, IDLE/DONE and LOGOUT. As real
servers do, ``FETCH RFC822`` and ``BODY[]`` set ``\\Seen`` and ``BODY.PEEK[]`` does not.
New mail (``add``) is announced to a client in IDLE with ``* n EXISTS``."""

from __future__ import annotations

import asyncio
import re
import shlex
import threading
from dataclasses import dataclass, field


@dataclass
class Stored:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class ImapServer:
    user: str = "support@shop.example"
    password: str = "s3cret pass"
    idle_supported: bool = True
    messages: list[Stored] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)  # users who logged in, failed ones too
    commands: list[str] = field(default_factory=list)  # command names, in order
    port: int = 0

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._idlers: set[asyncio.StreamWriter] = set()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._next_uid = 1

    # --- the test's side --------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(5)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def add(self, raw: bytes) -> None:
        """New mail arrives; a client in IDLE is told at once."""
        self._loop.call_soon_threadsafe(self._add, raw)

    def seen(self) -> list[bool]:
        return ["\\Seen" in m.flags for m in self.messages]

    # --- the server ---------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", self.port)
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()

    def _add(self, raw: bytes) -> None:
        self.messages.append(Stored(self._next_uid, raw))
        self._next_uid += 1
        for writer in list(self._idlers):
            writer.write(f"* {len(self.messages)} EXISTS\r\n".encode())

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"* OK IMAP4rev1 test server ready\r\n")
        state = {"auth": False, "selected": False}
        try:
            while line := await reader.readline():
                tag, _, rest = line.decode().rstrip("\r\n").partition(" ")
                command, _, args = rest.partition(" ")
                command = command.upper()
                if command == "UID":
                    command, _, args = args.partition(" ")
                    command = "UID " + command.upper()
                self.commands.append(command)
                if command == "IDLE":
                    await self._idle(tag, reader, writer)
                    continue
                done = self._answer(tag, command, args, state, writer)
                await writer.drain()
                if done:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._idlers.discard(writer)
            writer.close()

    async def _idle(
        self, tag: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if not self.idle_supported:
            writer.write(f"{tag} BAD unknown command\r\n".encode())
            return
        writer.write(b"+ idling\r\n")
        self._idlers.add(writer)
        await writer.drain()
        line = await reader.readline()
        self._idlers.discard(writer)
        if line.strip().upper() == b"DONE":
            writer.write(f"{tag} OK IDLE terminated\r\n".encode())
        else:
            writer.write(f"{tag} BAD expected DONE\r\n".encode())
        await writer.drain()

    def _answer(
        self,
        tag: str,
        command: str,
        args: str,
        state: dict[str, bool],
        writer: asyncio.StreamWriter,
    ) -> bool:
        out = writer.write
        if command == "CAPABILITY":
            idle = " IDLE" if self.idle_supported else ""
            out(f"* CAPABILITY IMAP4rev1{idle} AUTH=PLAIN\r\n{tag} OK done\r\n".encode())
        elif command == "LOGIN":
            user, password = shlex.split(args)[:2]
            self.logins.append(user)
            if (user, password) != (self.user, self.password):
                out(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n".encode())
            else:
                state["auth"] = True
                out(f"{tag} OK LOGIN completed\r\n".encode())
        elif command == "LOGOUT":
            out(f"* BYE logging out\r\n{tag} OK LOGOUT completed\r\n".encode())
            return True
        elif command == "NOOP":
            out(f"{tag} OK NOOP completed\r\n".encode())
        elif not state["auth"]:
            out(f"{tag} NO log in first\r\n".encode())
        elif command in ("SELECT", "EXAMINE"):
            if shlex.split(args)[0].upper() != "INBOX":
                out(f"{tag} NO [NONEXISTENT] no such mailbox\r\n".encode())
                return False
            state["selected"] = True
            out(
                f"* {len(self.messages)} EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] ok\r\n"
                f"* FLAGS (\\Seen \\Answered \\Deleted)\r\n{tag} OK [READ-WRITE] done\r\n".encode()
            )
        elif not state["selected"]:
            out(f"{tag} NO select a mailbox first\r\n".encode())
        else:
            self._message_command(tag, command, args, out)
        return False

    def _message_command(self, tag: str, command: str, args: str, out) -> None:  # type: ignore[no-untyped-def]
        by_uid = command.startswith("UID ")
        name = command.removeprefix("UID ")
        if name == "SEARCH":
            if "UNSEEN" not in args.upper():
                out(f"{tag} BAD only UNSEEN is searched here\r\n".encode())
                return
            hits = [
                str(m.uid if by_uid else n)
                for n, m in enumerate(self.messages, 1)
                if "\\Seen" not in m.flags
            ]
            out(f"* SEARCH {' '.join(hits)}\r\n{tag} OK SEARCH completed\r\n".encode())
            return
        which, _, items = args.partition(" ")
        found = self._find(which, by_uid)
        if name == "FETCH":
            for n, message in found:
                out(self._fetch(n, message, items.upper()))
        elif name == "STORE" and re.match(r"\+FLAGS(\.SILENT)? \(?\\Seen\)?", items, re.I):
            for n, message in found:
                message.flags.add("\\Seen")
                if ".SILENT" not in items.upper():
                    out(f"* {n} FETCH (UID {message.uid} FLAGS (\\Seen))\r\n".encode())
        else:
            out(f"{tag} BAD not supported here\r\n".encode())
            return
        out(f"{tag} OK {name} completed\r\n".encode())

    def _find(self, which: str, by_uid: bool) -> list[tuple[int, Stored]]:
        wanted = {int(x) for x in which.split(",") if x.isdigit()}
        return [
            (n, m) for n, m in enumerate(self.messages, 1) if (m.uid if by_uid else n) in wanted
        ]

    def _fetch(self, n: int, message: Stored, items: str) -> bytes:
        if "BODY.PEEK[]" in items:
            section = "BODY[]"
        elif "RFC822" in items or "BODY[]" in items:
            section = "RFC822" if "RFC822" in items else "BODY[]"
            message.flags.add("\\Seen")  # reading the whole message marks it read
        else:
            flags = " ".join(sorted(message.flags))
            return f"* {n} FETCH (UID {message.uid} FLAGS ({flags}))\r\n".encode()
        head = f"* {n} FETCH (UID {message.uid} {section} {{{len(message.raw)}}}\r\n"
        return head.encode() + message.raw + b")\r\n"
