"""Reading one e-mail (RFC 5322 bytes) with the standard library: the sender, the
subject, the threading headers, the text (the plain part preferred over HTML), the HTML
body as sent (``sanitize`` cleans it before anyone sees it) and the attached files."""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from html.parser import HTMLParser

from contactcenter import inputs

# Larger messages are refused by the receiver (SMTP 552) before they are parsed.
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
# Message.client_id holds up to 64 characters; longer Message-IDs are hashed there.
CLIENT_ID_MAX = 64


@dataclass(frozen=True, slots=True)
class EmailFile:
    """One attached file, or an inline image (``content_id`` without its brackets)."""

    name: str
    content_type: str
    content: bytes
    content_id: str = ""


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    sender: str  # the address, lower-cased
    sender_name: str
    subject: str
    text: str
    message_id: str  # the header as sent, "<...>"; made from the bytes when absent
    in_reply_to: str
    references: tuple[str, ...]
    automatic: bool  # an auto-reply, a bounce...: never answered, never stored
    html: str = ""  # the HTML body as sent: unsafe until ``sanitize.email_html_clean``
    files: tuple[EmailFile, ...] = ()

    @property
    def client_id(self) -> str:
        """The idempotency key of the message in its dialog."""
        if len(self.message_id) <= CLIENT_ID_MAX:
            return self.message_id
        return "sha256:" + hashlib.sha256(self.message_id.encode()).hexdigest()[:56]

    def file_client_id(self, index: int) -> str:
        """The idempotency key of the message that carries the ``index``-th file: fixed
        by the Message-ID, so a redelivered e-mail stores none of its files again."""
        digest = hashlib.sha256(f"{self.message_id}\n{index}".encode()).hexdigest()
        return f"sha256:{digest[:48]}:{index}"


class _TextOfHtml(HTMLParser):
    BLOCKS = frozenset(
        {"br", "p", "div", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
    )
    SKIPPED = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def _tidy(text: str) -> str:
    text = inputs.text_repair(text)  # a NUL in a body, an undecodable header
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _part_text(part: MIMEPart) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):  # an unknown or lying charset
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return inputs.text_repair(content) if isinstance(content, str) else ""


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = _part_text(part)
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return _tidy(content)


def _body_html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    return _part_text(part) if part is not None else ""


def _files(message: MIMEPart) -> tuple[EmailFile, ...]:
    """Every part that is not the body: attachments, inline images, a forwarded e-mail
    (kept whole, as one ``message/rfc822`` file)."""
    bodies = {id(message.get_body(preferencelist=(kind,))) for kind in ("plain", "html")}
    found: list[EmailFile] = []
    stack: list[MIMEPart] = [message]
    while stack:
        part = stack.pop(0)
        # an attached e-mail is "multipart" to the library, but one file to people
        if part.is_multipart() and part.get_content_type() != "message/rfc822":
            stack[0:0] = [p for p in part.iter_parts() if isinstance(p, MIMEPart)]
            continue
        if id(part) in bodies:
            continue
        name = inputs.text_repair(str(part.get_filename() or ""))
        if part.get_content_maintype() == "text" and not name and not part.is_attachment():
            continue  # another rendering of the body (e.g. text/enriched)
        found.append(_file_of(part, name))
    return tuple(found)


def _file_of(part: MIMEPart, name: str) -> EmailFile:
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        content = inner.as_bytes() if isinstance(inner, MIMEPart) else b""
        name = name or "message.eml"
    else:
        decoded = part.get_payload(decode=True)
        content = decoded if isinstance(decoded, bytes) else b""
    content_ids = _ids(part.get("Content-ID"))
    return EmailFile(
        name=name or "file",
        content_type=content_type,
        content=content,
        content_id=content_ids[0][1:-1] if content_ids else "",
    )


def _ids(value: object) -> tuple[str, ...]:
    return tuple(re.findall(r"<[^<>\s]+>", inputs.text_repair(str(value or ""))))


def _automatic(message: EmailMessage) -> bool:
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    return auto != "no" or message.get_content_type() == "multipart/report"


def email_parse(raw: bytes) -> ParsedEmail:
    """Reads one e-mail. ``ValueError`` when it is too large or has no sender address."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ValueError("the message is too large")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    sender = _sender(message)
    if sender is None:
        raise ValueError("the message has no sender address")
    message_ids = _ids(message.get("Message-ID"))
    message_id = (
        message_ids[0] if message_ids else f"<sha256.{hashlib.sha256(raw).hexdigest()}@local>"
    )
    return ParsedEmail(
        sender=sender.addr_spec.lower(),
        sender_name=str(sender.display_name or "").strip()[:200],
        subject=_tidy(str(message.get("Subject", "")))[:998],
        text=_body_text(message),
        message_id=message_id,
        in_reply_to=next(iter(_ids(message.get("In-Reply-To"))), ""),
        references=_ids(message.get("References")),
        automatic=_automatic(message),
        html=_body_html(message),
        files=_files(message),
    )


# "Re:", "Fwd:", "AW:", "Ответ:"... as mail programs put them before a subject they answer.
_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|tr|rif|ответ|отв|пересл)\s*(?:\[\d+\])?\s*[:\uff1a]\s*)+",
    re.IGNORECASE,
)


def subject_key(subject: str) -> str:
    """A subject as people mean it: without reply and forward prefixes, case or extra
    spaces. Two e-mails with the same key are about the same thing."""
    return " ".join(_SUBJECT_PREFIX.sub("", subject).split()).casefold()


def _sender(message: EmailMessage) -> Address | None:
    for header in ("From", "Sender"):
        try:
            value = message.get(header)
            addresses = getattr(value, "addresses", ()) if value is not None else ()
        except (IndexError, ValueError, TypeError):  # a header too broken to read
            continue
        for address in addresses:
            if address.username and address.domain:
                return address
    return None


# The line a mail program writes above the quoted e-mail it answers ("On Mon, 2 Dec 2026
# at 10:00, Support <...> wrote:", or a Russian mail program's "... написал:").
ATTRIBUTION = re.compile(
    r".*(wrote|writes|написал|написала|пишет)\s*:?\s*$|.*<[^>]+@[^>]+>:\s*$", re.I
)


def reply_own_text(text: str) -> str:
    """What the sender wrote above the quoted e-mail they answer: the lines before the
    first quoted one (``>``) or the line introducing it."""
    own = []
    for line in text.splitlines():
        if line.lstrip().startswith(">") or ATTRIBUTION.match(line.strip()):
            break
        own.append(line)
    return "\n".join(own).strip()
