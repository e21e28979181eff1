"""A browser's User-Agent header as a person names it: "Chrome 120 on Windows".

Only the common browsers and systems, by the tokens they put in the header; order
matters, since Edge, Opera and Yandex also say "Chrome" and Chrome also says "Safari".
An unknown header gives the empty string (the card then shows the raw header).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

# (token pattern, the browser's name); the first match wins
BROWSERS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bEdg(?:e|A|iOS)?/(\d+)"), "Edge"),
    (re.compile(r"\bOPR/(\d+)"), "Opera"),
    (re.compile(r"\bYaBrowser/(\d+)"), "Yandex Browser"),
    (re.compile(r"\bSamsungBrowser/(\d+)"), "Samsung Internet"),
    (re.compile(r"\b(?:Firefox|FxiOS)/(\d+)"), "Firefox"),
    (re.compile(r"\bCriOS/(\d+)"), "Chrome"),
    (re.compile(r"\b(?:HeadlessChrome|Chrome|Chromium)/(\d+)"), "Chrome"),
    (re.compile(r"\bVersion/(\d+)(?:\.\d+)*.*\bSafari/"), "Safari"),
    (re.compile(r"\bMSIE (\d+)"), "Internet Explorer"),
    (re.compile(r"\bTrident/.*\brv:(\d+)"), "Internet Explorer"),
]

SYSTEMS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bWindows (?:NT|Phone)\b"), "Windows"),
    (re.compile(r"\b(?:iPhone|iPad|iPod)\b"), "iOS"),
    (re.compile(r"\bAndroid\b"), "Android"),
    (re.compile(r"\bCrOS\b"), "ChromeOS"),
    (re.compile(r"\bMac OS X\b|\bMacintosh\b"), "macOS"),
    (re.compile(r"\bLinux\b"), "Linux"),
]


def browser_label(user_agent: str) -> str:
    ua = (user_agent or "")[:500]
    browser = ""
    for pattern, name in BROWSERS:
        match = pattern.search(ua)
        if match:
            browser = f"{name} {match.group(1)}"
            break
    system = next((name for pattern, name in SYSTEMS if pattern.search(ua)), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system
