"""The HTML of an incoming e-mail made safe to show in the inbox (nh3, an allow-list
sanitiser): no scripts, styles, event handlers or forms; links open in a new tab without
telling the target where they came from; remote images are never loaded (their address
is dropped: a picture that phones home tells the sender when and where the e-mail was
read), and ``cid:`` images point at the inline image stored with the e-mail."""

from __future__ import annotations

from collections.abc import Mapping

import nh3

# The sanitiser's own allow-list of tags and attributes (formatting, lists, tables,
# images and links), without anything that can run or restyle the page.
TAGS = frozenset(nh3.ALLOWED_TAGS) - {"area", "map"}
ATTRIBUTES = {
    tag: set(names) - {"style"} for tag, names in nh3.ALLOWED_ATTRIBUTES.items() if tag in TAGS
}
ATTRIBUTES.setdefault("img", set()).update({"src", "alt", "width", "height", "title"})
ATTRIBUTES.setdefault("a", set()).update({"href", "title"})
# Dropped with their content, not only their tags.
DROPPED = frozenset({"script", "style", "title", "head", "noscript", "template", "object"})
LINK_SCHEMES = ("http://", "https://", "mailto:")
MAX_HTML = 500_000


def email_html_clean(html: str, *, inline_urls: Mapping[str, str] | None = None) -> str:
    """``html`` sanitised; ``inline_urls`` maps an inline image's Content-ID (without
    brackets) to the address of its stored copy. An empty result for no HTML."""
    if not html.strip():
        return ""
    inline = {key.lower(): url for key, url in (inline_urls or {}).items()}

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            if value[:4].lower() != "cid:":
                return None  # remote, data: or relative: never fetched from the inbox
            return inline.get(value[4:].strip().lower())
        if tag == "a" and attribute == "href":
            return value if value.strip().lower().startswith(LINK_SCHEMES) else None
        return value

    return nh3.clean(
        html[:MAX_HTML],
        tags=set(TAGS),
        clean_content_tags=set(DROPPED),
        attributes=ATTRIBUTES,
        attribute_filter=keep,
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        # cid: passes the scheme check so that ``keep`` can point it at the stored image
        url_schemes={"http", "https", "mailto", "cid"},
        strip_comments=True,
    )
