"""Receiving e-mail by polling an IMAP mailbox, the alternative to the SMTP receiver.

Each e-mail channel with an ``imap_host`` is read by ``mailbox_poll``: it logs in,
opens the folder, finds the unread mail (``UID SEARCH UNSEEN``), reads each message
without marking it (``BODY.PEEK[]``), stores it (``inbound.email_deliver_to_channel``,
idempotent by Message-ID) and only then marks it read (``\\Seen``). A message that
cannot be stored stays unread and is tried again at the next poll; one that can never be
read (no sender...) is marked read so that it does not come back forever.

``mailbox_watch`` keeps one channel's mailbox open and waits with IDLE where the server
offers it, so that new mail arrives within a second (``manage.py mail_imap``); the
periodic task ``inbox.email_imap_poll`` polls every mailbox once (django-celery-beat)
for installations that run no such process. Standard library only (``imaplib``)."""

from __future__ import annotations

import contextlib
import imaplib
import itertools
import logging
import re
import select
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db import close_old_connections, connections
from django.utils.translation import gettext as _

from inbox.connectors.email import inbound
from inbox.models import Channel

logger = logging.getLogger(__name__)

IMAP_TIMEOUT_S = 30
_idle_tags = itertools.count(1)


class ImapError(Exception):
    """The mailbox could not be reached or read; the message says why, in plain words
    (never with the password)."""


@dataclass(frozen=True, slots=True)
class ImapSettings:
    host: str
    port: int
    user: str
    password: str
    use_ssl: bool
    folder: str

    @classmethod
    def of(cls, config: dict[str, Any]) -> ImapSettings | None:
        """The channel's IMAP settings, or ``None`` when it has no ``imap_host``."""
        host = str(config.get("imap_host") or "").strip()
        if not host:
            return None
        use_ssl = config.get("imap_ssl", True) not in (False, "false", "0", 0, "")
        try:
            port = int(config.get("imap_port") or (993 if use_ssl else 143))
        except (TypeError, ValueError):
            raise ImapError(
                _("the IMAP port must be a number, not %(port)s")
                % {"port": repr(config.get("imap_port"))[:40]}
            ) from None
        return cls(
            host=host,
            port=port,
            user=str(config.get("imap_user") or config.get("address") or ""),
            password=str(config.get("imap_password") or ""),
            use_ssl=use_ssl,
            folder=str(config.get("imap_folder") or "INBOX"),
        )


@dataclass(slots=True)
class PollResult:
    fetched: int = 0  # unread messages read from the mailbox
    stored: int = 0  # of them, new in the inbox (a repeat stores nothing)
    failed: int = 0  # left unread to be tried again
    unreadable: int = 0  # marked read without being stored: they can never be


def imap_connect(settings: ImapSettings) -> imaplib.IMAP4:
    """A logged-in connection with the folder selected. ``ImapError`` otherwise."""
    try:
        if settings.use_ssl:
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                settings.host,
                settings.port,
                ssl_context=ssl.create_default_context(),
                timeout=IMAP_TIMEOUT_S,
            )
        else:
            client = imaplib.IMAP4(settings.host, settings.port, timeout=IMAP_TIMEOUT_S)
    except (OSError, imaplib.IMAP4.error) as error:
        raise ImapError(
            _("cannot connect to %(server)s: %(error)s")
            % {"server": f"{settings.host}:{settings.port}", "error": error}
        ) from None
    try:
        client.login(settings.user, settings.password)
    except imaplib.IMAP4.error as error:
        _close(client)
        raise ImapError(
            _("the server refused the login of %(user)s: %(error)s")
            % {"user": settings.user, "error": _said(error)}
        ) from None
    try:
        status, data = client.select(_quoted(settings.folder))
    except (OSError, imaplib.IMAP4.error) as error:
        _close(client)
        raise ImapError(
            _("cannot open the folder %(folder)s: %(error)s")
            % {"folder": settings.folder, "error": _said(error)}
        ) from None
    if status != "OK":
        _close(client)
        raise ImapError(
            _("cannot open the folder %(folder)s: %(error)s")
            % {"folder": settings.folder, "error": _said(data)}
        )
    return client


def mailbox_poll(*, channel: Channel, client: imaplib.IMAP4 | None = None) -> PollResult:
    """Stores the unread mail of the channel's mailbox (see the module doc)."""
    settings = ImapSettings.of(channel.config or {})
    if settings is None:
        return PollResult()
    own = client is None
    client = client or imap_connect(settings)
    try:
        return _unseen_store(channel, client)
    except (OSError, imaplib.IMAP4.error) as error:
        raise ImapError(f"reading {settings.folder} on {settings.host} failed: {error}") from None
    finally:
        if own:
            _close(client)


def _unseen_store(channel: Channel, client: imaplib.IMAP4) -> PollResult:
    result = PollResult()
    status, data = client.uid("SEARCH", "UNSEEN")
    if status != "OK":
        raise ImapError(f"the search for unread mail failed: {_said(data)}")
    uids = [uid.decode() for uid in (data[0] or b"").split()] if data else []
    for uid in uids:
        raw = _fetch(client, uid)
        if raw is None:
            continue
        result.fetched += 1
        try:
            result.stored += inbound.email_deliver_to_channel(channel=channel, raw=raw)
        except ValueError as unreadable:
            logger.warning(
                "e-mail %s of channel %s cannot be read: %s", uid, channel.pk, unreadable
            )
            result.unreadable += 1
        except Exception:
            logger.exception("storing e-mail %s of channel %s failed", uid, channel.pk)
            result.failed += 1
            continue  # stays unread: the next poll tries again
        client.uid("STORE", uid, "+FLAGS.SILENT", "(\\Seen)")
    return result


def _fetch(client: imaplib.IMAP4, uid: str) -> bytes | None:
    status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def idle_supported(client: imaplib.IMAP4) -> bool:
    return "IDLE" in getattr(client, "capabilities", ())


def idle_wait(client: imaplib.IMAP4, *, timeout_s: float, stop: threading.Event) -> bool:
    """Waits in IDLE (RFC 2177) until the server announces new mail, ``timeout_s``
    passes or ``stop`` is set; True when new mail came. imaplib of Python 3.11 has no
    IDLE, so the command is written and read here."""
    tag = f"IDLE{next(_idle_tags)}".encode()
    client.send(tag + b" IDLE\r\n")
    first = client.readline()
    if not first.startswith(b"+"):
        _until_tagged(client, tag, first)
        return False
    woke = False
    deadline = time.monotonic() + timeout_s
    sock = client.socket()
    while not woke and not stop.is_set() and time.monotonic() < deadline:
        pending = isinstance(sock, ssl.SSLSocket) and sock.pending() > 0
        if not pending:
            ready, _w, _x = select.select([sock], [], [], min(1.0, deadline - time.monotonic()))
            if not ready:
                continue
        line = client.readline()
        if not line:
            raise ImapError("the server closed the connection during IDLE")
        woke = bool(re.match(rb"\* \d+ (EXISTS|RECENT)", line))
    client.send(b"DONE\r\n")
    return _until_tagged(client, tag, b"") or woke


def _until_tagged(client: imaplib.IMAP4, tag: bytes, line: bytes) -> bool:
    """Reads to the end of the tagged command; True if new mail was announced meanwhile."""
    woke = False
    while not line.startswith(tag + b" "):
        woke = woke or bool(re.match(rb"\* \d+ (EXISTS|RECENT)", line))
        line = client.readline()
        if not line:
            raise ImapError("the server closed the connection during IDLE")
    return woke


def mailbox_watch(
    *, channel_id: int, stop: threading.Event, idle_s: float = 300, interval_s: float = 60
) -> None:
    """Keeps one channel's mailbox read until ``stop``, in a thread of its own: a poll,
    then IDLE where the server offers it (a new message wakes it), else a pause of
    ``interval_s``. Errors are logged and the connection made anew after a pause. Ends
    when the channel is turned off or loses its IMAP server."""
    try:
        while not stop.is_set():
            close_old_connections()
            channel = Channel.objects.filter(pk=channel_id, is_active=True).first()
            try:
                settings = ImapSettings.of(channel.config or {}) if channel else None
                if channel is None or settings is None:
                    return
                _watch_connected(channel, settings, stop, idle_s, interval_s)
            except (ImapError, OSError, imaplib.IMAP4.error) as error:
                logger.warning("IMAP mailbox of channel %s: %s", channel_id, error)
                stop.wait(interval_s)
    finally:
        connections.close_all()  # this thread's own connections


def _watch_connected(
    channel: Channel,
    settings: ImapSettings,
    stop: threading.Event,
    idle_s: float,
    interval_s: float,
) -> None:
    client = imap_connect(settings)
    try:
        while not stop.is_set():
            mailbox_poll(channel=channel, client=client)
            close_old_connections()
            if idle_supported(client):
                idle_wait(client, timeout_s=idle_s, stop=stop)
            else:
                stop.wait(interval_s)
                client.noop()
            # settings changed in the admin (or the channel turned off): connect anew
            fresh = Channel.objects.filter(pk=channel.pk, is_active=True).first()
            if fresh is None or ImapSettings.of(fresh.config or {}) != settings:
                return
            channel = fresh
    finally:
        _close(client)


@dataclass(frozen=True, slots=True)
class ImapCheck:
    host: str
    folder: str
    unread: int
    idle: bool


def connection_test(*, config: dict[str, Any]) -> ImapCheck:
    """Logs in to the channel's mailbox and opens its folder: what was found there.
    ``ImapError`` saying what failed."""
    settings = ImapSettings.of(config)
    if settings is None:
        raise ImapError(_("no IMAP server is set"))
    client = imap_connect(settings)
    try:
        status, data = client.uid("SEARCH", "UNSEEN")
        unread = len((data[0] or b"").split()) if status == "OK" and data else 0
        return ImapCheck(settings.host, settings.folder, unread, idle_supported(client))
    finally:
        _close(client)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _said(what: object) -> str:
    """What the server answered, as text (imaplib gives bytes, lists or exceptions)."""
    if isinstance(what, list | tuple):
        what = b" ".join(x for x in what if isinstance(x, bytes))
    if isinstance(what, bytes):
        return what.decode("utf-8", "replace")
    return str(what)


def _close(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        client.logout()
