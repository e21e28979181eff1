"""The API's request body parsers (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``).

Apart from ``contactcenter.api_common`` because DRF imports the parser classes while its
views module loads, which that module imports in turn.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import exceptions, parsers, status

from contactcenter import inputs


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class JSONParser(parsers.JSONParser):
    """The API's JSON reader: ``contactcenter.inputs.json_parse``, the same reader as the
    sockets', so a body too deep, with NaN, a number too large or a text that cannot be
    stored is a 400 naming the field, never a 500."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1 if limit else -1) if stream is not None else b""
        if limit and len(raw) > limit:
            raise PayloadTooLarge()
        try:
            if encoding.lower().replace("-", "") != "utf8":
                raw = raw.decode(encoding)
            return inputs.json_parse(raw)
        except (LookupError, UnicodeDecodeError):
            raise _refused(inputs.InputRefused("bad_json")) from None
        except inputs.InputRefused as refused:
            raise _refused(refused) from None


def _refused(refused: inputs.InputRefused) -> exceptions.APIException:
    """A 400 naming the top-level field the problem is in (the field the serializer
    knows; the message says where inside it), or DRF's parse error for the body."""
    if not refused.path:
        return exceptions.ParseError(refused.detail, code=refused.code)
    return exceptions.ValidationError(refused.field_errors(), code=refused.code)
