"""The parsed home page of a provider's site, built once from a FetchResult.

Every check reads this object instead of re-parsing HTML. Building it never raises: hostile
or broken input gives an empty Page (``is_html`` false) or a partial one, with ``notes``
saying what was skipped. Parsing uses selectolax (lexbor); schema.org data comes from
extruct (JSON-LD and microdata), each syntax isolated so one failure does not hide the other.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from .fetcher import FetchResult

logger = logging.getLogger(__name__)

HTML_TYPES = {"text/html", "application/xhtml+xml"}
MAX_DEPTH = 1000  # lexbor is quadratic in nesting depth: deeper input is cut here
MAX_OPTIONS = 3_000  # ... and in <option> count
MAX_ATTRIBUTES = 1_000  # ... and in attributes per element
MAX_TEXT_CHARS = 300_000  # visible text kept for phone and email search
MAX_INLINE_SCRIPT_CHARS = 200_000  # inline script text kept for booking-widget search
MAX_EXTRUCT_CHARS = 3_000_000
MAX_LINKS = 5_000
EVIDENCE_CHARS = 200

# Tags often left unclosed (the parser closes them itself) or void: ignored by the depth scan.
_NO_DEPTH = frozenset(
    [
        "p",
        "li",
        "dt",
        "dd",
        "option",
        "optgroup",
        "tr",
        "td",
        "th",
        "thead",
        "tbody",
        "tfoot",
        "colgroup",
        "caption",
        "rb",
        "rt",
        "rp",
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "keygen",
        "command",
        "basefont",
        "frame",
        "image",
        "isindex",
    ]
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]{0,30})\b[^>]*?(/?)>")
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "noscript"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"\s+")


def plain(value: Any, limit: int = EVIDENCE_CHARS) -> str:
    """Plain one-line text for evidence: no control characters, collapsed spaces, truncated."""
    text = _SPACES.sub(" ", _CONTROL.sub(" ", str(value or ""))).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def folded(value: str) -> str:
    """Lower-case, accent-free text for matching ("Mentions Légales" → "mentions legales")."""
    value = unicodedata.normalize("NFKD", value or "")
    return "".join(ch for ch in value if not unicodedata.combining(ch)).lower()


def cut_deep_nesting(html: str, max_depth: int = MAX_DEPTH) -> tuple[str, bool]:
    """Cut the document where lexbor would take quadratic time (rough, linear tag scan).

    That is where element nesting exceeds ``max_depth``, or past ``MAX_OPTIONS`` options,
    or at an element with more than ``MAX_ATTRIBUTES`` attributes.

    Returns (html, was_cut). Raw-text elements (script, style...) are skipped so a ``<div``
    inside a script does not count.
    """
    depth = 0
    options = 0
    raw_until = None
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if raw_until is not None:
            if closing and name == raw_until:
                raw_until = None
            continue
        # lexbor is also quadratic in <option> count and in attributes per element
        if name == "option" and not closing:
            options += 1
            if options > MAX_OPTIONS:
                return html[: match.start()], True
        if match.end() - match.start() > 20_000 and match.group(0).count("=") > MAX_ATTRIBUTES:
            return html[: match.start()], True
        if name in _NO_DEPTH or self_closing:
            continue
        if closing:
            depth = max(0, depth - 1)
        else:
            if name in _RAW_TEXT:
                raw_until = name
                continue
            depth += 1
            if depth > max_depth:
                return html[: match.start()], True
    return html, False


@dataclass(frozen=True)
class Link:
    href: str  # absolute URL ("" when unusable)
    text: str  # visible text of the link, plain, truncated
    title: str = ""


@dataclass
class Page:
    """What the checks need from one fetched page. Build it with ``Page.from_fetch``."""

    fetch: FetchResult
    today: date
    is_html: bool = False
    reachable: bool = False
    base_url: str = ""
    titles: list[str] = field(default_factory=list)
    description: str | None = None  # None: no meta description; "" an empty one
    viewport: str | None = None
    lang: str = ""
    hreflangs: list[tuple[str, str]] = field(default_factory=list)  # (lang, absolute href)
    links: list[Link] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)  # absolute src
    inline_scripts: str = ""  # inline script text, truncated
    iframes: list[str] = field(default_factory=list)
    stylesheets: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)  # absolute action URLs
    opengraph: dict[str, str] = field(default_factory=dict)  # "og:title" → first value
    schema_items: list[dict[str, Any]] = field(default_factory=list)  # flattened
    schema_error: str = ""
    text: str = ""  # visible text, truncated
    footer_text: str = ""
    notes: list[str] = field(default_factory=list)  # French notes on what was skipped

    @property
    def title(self) -> str | None:
        return self.titles[0] if self.titles else None

    @property
    def schema_types(self) -> list[str]:
        """Short schema.org types of all items, in order, without duplicates ("Hotel")."""
        found: list[str] = []
        for item in self.schema_items:
            for name in _types_of(item):
                if name not in found:
                    found.append(name)
        return found

    @property
    def resource_urls(self) -> list[str]:
        """Every URL the page references: scripts, iframes, links, forms, stylesheets."""
        return [
            *self.scripts,
            *self.iframes,
            *self.forms,
            *self.stylesheets,
            *(link.href for link in self.links if link.href),
        ]

    @classmethod
    def from_fetch(cls, result: FetchResult, today: date | None = None) -> Page:
        if today is None:
            fetched_at = result.fetched_at or datetime.now(UTC)
            today = fetched_at.date()
        reachable = bool(result.ok and result.status is not None and 200 <= result.status < 300)
        page = cls(fetch=result, today=today, reachable=reachable)
        page.base_url = result.url_final or result.url_requested or ""
        if not reachable:
            return page
        try:
            page._parse()
        except Exception:
            logger.warning("audit: parsing failed for %s", page.base_url, exc_info=True)
            page.is_html = False
            page.notes.append("La page n'a pas pu être analysée.")
        return page

    # parsing -------------------------------------------------------------------------

    def _html_text(self) -> str:
        result = self.fetch
        media = (result.content_type or "").split(";")[0].strip().lower()
        text = result.text or ""
        if not text and result.body and media in HTML_TYPES | {""}:
            text = result.body.decode(result.encoding or "utf-8", errors="replace")
        if media not in HTML_TYPES:
            sniff = text[:1024].lstrip().lower()
            if media or not sniff.startswith(("<!doctype html", "<html", "<head", "<meta")):
                return ""
        return text.replace("\x00", "")

    def _parse(self) -> None:
        html = self._html_text()
        if not html.strip():
            self.notes.append("La réponse n'est pas une page HTML.")
            return
        html, was_cut = cut_deep_nesting(html)
        if was_cut:
            self.notes.append("Structure HTML trop imbriquée : seule une partie a été analysée.")
        tree = LexborHTMLParser(html)
        self.is_html = True
        base = tree.css_first("base[href]")
        if base is not None:
            self.base_url = self._absolute(base.attributes.get("href") or "")

        self.titles = [plain(node.text()) for node in tree.css("title")]
        self.description = self._meta(tree, "description")
        self.viewport = self._meta(tree, "viewport")
        root = tree.css_first("html")
        if root is not None:
            self.lang = plain(root.attributes.get("lang") or root.attributes.get("xml:lang"), 35)
        for node in tree.css("link[hreflang]"):
            lang = plain(node.attributes.get("hreflang"), 35)
            if lang:
                self.hreflangs.append((lang, self._absolute(node.attributes.get("href"))))
        for node in tree.css("a[href], area[href]")[:MAX_LINKS]:
            self.links.append(
                Link(
                    href=self._absolute(node.attributes.get("href")),
                    text=plain(node.text(separator=" ")),
                    title=plain(node.attributes.get("title") or node.attributes.get("aria-label")),
                )
            )
        inline: list[str] = []
        for node in tree.css("script"):
            src = node.attributes.get("src")
            if src:
                self.scripts.append(self._absolute(src))
            elif sum(map(len, inline)) < MAX_INLINE_SCRIPT_CHARS:
                inline.append(node.text() or "")
        self.inline_scripts = "\n".join(inline)[:MAX_INLINE_SCRIPT_CHARS]
        self.iframes = [self._absolute(n.attributes.get("src")) for n in tree.css("iframe[src]")]
        self.forms = [self._absolute(n.attributes.get("action")) for n in tree.css("form[action]")]
        self.stylesheets = [
            self._absolute(n.attributes.get("href"))
            for n in tree.css("link[href]")
            if "stylesheet" in (n.attributes.get("rel") or "").lower()
        ]
        self.images = [
            self._absolute(n.attributes.get("src") or n.attributes.get("data-src"))
            for n in tree.css("img")
        ]
        for node in tree.css("meta[property], meta[name]"):
            key = (node.attributes.get("property") or node.attributes.get("name") or "").lower()
            if key.startswith("og:") and key not in self.opengraph:
                self.opengraph[key] = plain(node.attributes.get("content"), 500)

        self.schema_items = self._schema(html)

        tree.strip_tags(["script", "style", "noscript", "template", "svg"])
        footers = tree.css("footer, [role=contentinfo], #footer, .footer")
        self.footer_text = plain(" ".join(n.text(separator=" ") for n in footers[:5]), 5000)
        body = tree.body or tree.root
        text = body.text(separator=" ") if body is not None else ""
        self.text = plain(text, MAX_TEXT_CHARS)
        if not self.footer_text:
            self.footer_text = self.text[-3000:]

    def _absolute(self, href: str | None) -> str:
        href = (href or "").strip()
        if not href or len(href) > 4000:
            return ""
        try:
            return urljoin(self.base_url, href)
        except ValueError:
            return ""

    @staticmethod
    def _meta(tree: LexborHTMLParser, name: str) -> str | None:
        for node in tree.css("meta[name]"):
            if (node.attributes.get("name") or "").strip().lower() == name:
                return plain(node.attributes.get("content"), 1000)
        return None

    def _schema(self, html: str) -> list[dict[str, Any]]:
        lowered = html.lower()
        syntaxes = []
        if "ld+json" in lowered:
            syntaxes.append("json-ld")
        if "itemscope" in lowered:
            syntaxes.append("microdata")
        if not syntaxes:
            return []
        if len(html) > MAX_EXTRUCT_CHARS:
            self.schema_error = "page trop lourde pour lire les données structurées"
            return []
        import extruct  # heavy import, only when there is something to read

        items: list[dict[str, Any]] = []
        for syntax in syntaxes:
            try:
                data = extruct.extract(html, base_url=self.base_url or None, syntaxes=[syntax])
            except Exception as error:
                self.schema_error = plain(f"{syntax} : {type(error).__name__}", 120)
                if syntax == "json-ld":
                    items.extend(_lenient_json_ld(html))
                continue
            for item in data.get(syntax, []):
                items.extend(_flatten(item))
        return items[:200]


def _lenient_json_ld(html: str) -> list[dict[str, Any]]:
    """JSON-LD blocks read one by one when extruct gave up on the whole page."""
    items: list[dict[str, Any]] = []
    tree = LexborHTMLParser(html)
    for node in tree.css('script[type="application/ld+json"]'):
        try:
            items.extend(_flatten(json.loads(node.text() or "", strict=False)))
        except (ValueError, RecursionError):
            continue
    return items


def _flatten(item: Any, depth: int = 0) -> list[dict[str, Any]]:
    """Top-level items, with ``@graph`` members and list members unpacked."""
    if depth > 5:
        return []
    if isinstance(item, list):
        return [found for member in item[:200] for found in _flatten(member, depth + 1)]
    if not isinstance(item, dict):
        return []
    found = [item] if ("@type" in item or "type" in item) else []
    if "@graph" in item:
        found.extend(_flatten(item["@graph"], depth + 1))
    return found


def _types_of(item: dict[str, Any]) -> list[str]:
    raw = item.get("@type", item.get("type"))
    values = raw if isinstance(raw, list) else [raw]
    names = []
    for value in values:
        if isinstance(value, str) and value.strip():
            names.append(re.split(r"[/#:]", value.strip())[-1])
    return names


def host_of(url: str) -> str:
    """Lower-case host of a URL without "www." ("" when none)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host.removeprefix("www.")
