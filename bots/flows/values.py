"""What an ``input`` node accepts: ``text``, ``email``, ``phone``, ``number`` or
``regex:<pattern>``; each check answers whether the typed text passes and the value to
save (trimmed, an e-mail's domain in lower case, a phone as ``+`` and digits, a number
as a number)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

CHECKS = ("text", "email", "phone", "number")
MAX_VALUE = 1000

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
_PHONE_SEPARATORS = re.compile(r"[\s().-]")
_PHONE = re.compile(r"^\+?\d{6,15}$")


def check_errors(check: Any) -> str | None:
    """Why ``check`` is not a validation an input node can use, or None."""
    if not isinstance(check, str):
        return _("not text")
    if check in CHECKS:
        return None
    if check.startswith("regex:"):
        try:
            re.compile(check[6:])
        except re.error as error:
            return _("a bad pattern: %s") % error
        return None if check[6:] else _("an empty pattern")
    return _("an unknown check")


def value_check(check: str, text: str) -> tuple[bool, Any]:
    """``(passes, value)`` for ``text`` typed at an input node validated by ``check``."""
    typed = text.strip() if isinstance(text, str) else ""
    if not typed or len(typed) > MAX_VALUE:
        return False, None
    if check == "email":
        if not _EMAIL.match(typed):
            return False, None
        local, domain = typed.rsplit("@", 1)
        return True, f"{local}@{domain.lower()}"
    if check == "phone":
        digits = _PHONE_SEPARATORS.sub("", typed)
        return (True, digits) if _PHONE.match(digits) else (False, None)
    if check == "number":
        return _number(typed)
    if check.startswith("regex:"):
        try:
            return (True, typed) if re.fullmatch(check[6:], typed) else (False, None)
        except re.error:
            return False, None
    return True, typed


def _number(typed: str) -> tuple[bool, Any]:
    try:
        number = float(typed.replace(",", ".").replace(" ", ""))
    except ValueError:
        return False, None
    if number != number or number in (float("inf"), float("-inf")):
        return False, None
    return True, int(number) if number.is_integer() and abs(number) < 2**53 else number
