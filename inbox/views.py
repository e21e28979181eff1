"""The operator inbox page, and the files attached to messages.

The page only renders the shell: its JavaScript gets every piece of operator data from
the REST API and the operator socket; the only other thing it is given is whom the
"Create lead" form may name as a lead's owner (``crm``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from crm import selectors as crm_selectors
from inbox import selectors
from inbox.services.attachments import INLINE_TYPES
from translation import services as translator

API_BASE = "/api/v1/"
SOCKET_PATH = "/ws/operator/"
# A stored file is never a page: no scripts, no plugins, no requests but its own images.
ATTACHMENT_CSP = "default-src 'none'; img-src 'self'; sandbox"


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    # the operator's own UI language (operators/ ``language``), else the browser's
    chosen = getattr(getattr(request.user, "operator", None), "language", "")
    if chosen:
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen
    bootstrap = {
        "username": request.user.get_username(),
        "api_base": API_BASE,
        "socket_path": SOCKET_PATH,
        "csrf_token": get_token(request),
        "language": get_language() or "en",
        # whom the contact card's "Create lead" form may make a lead's owner
        "lead_owners": crm_selectors.lead_owner_options(user=request.user),
        # customers' messages are translated into the operator's language (translation.js)
        "translation": translator.enabled(),
    }
    return render(request, "inbox/inbox.html", {"bootstrap": bootstrap})


def _attachment_path_ok(path: str) -> bool:
    parts = path.split("/")
    return (
        len(parts) > 1
        and parts[0] == "attachments"
        and "\\" not in path
        and "\x00" not in path
        and all(part not in ("", ".", "..") for part in parts)
    )


@require_safe
def attachment_file(request: HttpRequest, path: str) -> FileResponse:
    """A file attached to a message, at the unguessable address its message carries
    (widget pages load it without cookies, so the address is the credential). Images and
    PDFs, whose content was checked on upload, open in the browser; anything else is a
    download. Only recorded attachments are served; anything else is 404."""
    if not _attachment_path_ok(path):
        raise Http404
    attachment = selectors.attachment_by_path(path=path)
    if attachment is None:
        raise Http404
    try:
        handle = default_storage.open(str(attachment.file.name), "rb")
    except (OSError, SuspiciousFileOperation):
        raise Http404 from None
    inline = attachment.content_type in INLINE_TYPES
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=not inline,
        filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    response["Cache-Control"] = "private, max-age=86400"
    return response
