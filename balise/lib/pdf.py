"""HTML → PDF with WeasyPrint, offline.

Reports are Django templates rendered to HTML, then laid out by WeasyPrint with the print
stylesheet. Rendering never touches the network: :class:`StaticFilesFetcher` serves our
own static files (stylesheets, images) from disk and refuses every other URL, so a
provider's name, a URL typed in an answer or a compromised template cannot make the
server fetch anything (no SSRF, no tracking pixel, no slow remote font).

Fonts come from the system through fontconfig: the print stylesheet asks for Liberation
Sans (metric-compatible with Arial), then DejaVu Sans, both in Debian's
``fonts-liberation`` and ``fonts-dejavu-core`` packages.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

# WeasyPrint logs every layout step at INFO ("Step 5 - Creating layout"), some while it is
# imported: noise in the server log for each report. Its warnings (a refused URL, a CSS
# error) still show.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint import HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

# A made-up origin that can never resolve (RFC 2606 ".invalid"): relative and root-relative
# URLs in the document resolve against it, and the fetcher maps it back to files on disk.
BASE_URL = "https://balise.invalid/"


class RefusedURL(ValueError):
    """A URL the PDF renderer is not allowed to fetch."""


def static_name(url: str) -> str | None:
    """The static file name (``balise/report.css``) behind a URL, or None if it is not one.

    Accepts the URL as ``{% static %}`` writes it, resolved against :data:`BASE_URL`, or
    absolute when STATIC_URL is (a CDN). Rejects anything that climbs out of the tree.
    """
    static_url = settings.STATIC_URL or "/static/"
    prefixes = {urljoin(BASE_URL, static_url)}
    if urlsplit(static_url).scheme:
        prefixes.add(static_url)
    parts = urlsplit(url)
    bare = f"{parts.scheme}://{parts.netloc}{parts.path}"
    for prefix in prefixes:
        if bare.startswith(prefix):
            name = unquote(bare[len(prefix) :])
            normalized = posixpath.normpath(name)
            if (
                not name
                or normalized.startswith(("/", "../"))
                or normalized == ".."
                or "\\" in name
                or "\x00" in name
                or normalized != name
            ):
                return None
            return name
    return None


def static_path(name: str) -> Path | None:
    """Where a static file is on disk: the finders (development, unhashed names) first,
    then the collected files (production, hashed names from the manifest)."""
    found = finders.find(name)
    if found:
        return Path(found)
    try:
        path = Path(staticfiles_storage.path(name))
    except Exception:  # a remote storage has no path; a bad name raises SuspiciousFileOperation
        return None
    return path if path.is_file() else None


class StaticFilesFetcher(URLFetcher):
    """Serves our static files and ``data:`` URLs; refuses everything else.

    A refused URL raises, and WeasyPrint then leaves the resource out (a missing image,
    a skipped stylesheet) with a warning in the log, instead of fetching it.
    """

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            # Inline data needs no network; urllib's data handler decodes it.
            return super().fetch(url, headers)
        name = static_name(url)
        path = static_path(name) if name else None
        if path is None:
            raise RefusedURL(f"URL refusée pour le PDF : {url[:200]}")
        mime_type, _encoding = mimetypes.guess_type(path.name)
        return URLFetcherResponse(
            url,
            body=path.read_bytes(),
            headers={"Content-Type": mime_type or "application/octet-stream"},
        )


def html_to_pdf(html: str, *, cache: dict | None = None, tagged: bool = True) -> bytes:
    """Lay out an HTML document (with its linked static stylesheets) as PDF bytes.

    ``tagged`` writes the document structure (headings, lists, tables) into the PDF so
    that screen readers can read it (RGAA: many offices are public bodies); the document
    needs a ``lang`` on its root. ``cache`` may be shared between documents rendered in a
    row (a campaign's reports) so that images are decoded once.
    """
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesFetcher())
    return document.write_pdf(
        # A fresh font configuration per document costs little and is safe when threads
        # render at the same time; nothing here uses @font-face, so fontconfig's system
        # fonts are what the print stylesheet's font-family picks from.
        font_config=FontConfiguration(),
        cache=cache if cache is not None else {},
        pdf_tags=tagged,
    )
