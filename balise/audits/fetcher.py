"""Fetcher of the online-presence audit: one safe, bounded HTTP(S) fetch per site.

FetchResult is the contract consumed by balise.audits.checks: pure data, no I/O.
"""

from __future__ import annotations

import asyncio
import codecs
import concurrent.futures
import contextlib
import re
import ssl
import time
import unicodedata
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpcore
import httpx

from .netguard import GuardedBackend, GuardError, NetGuard


@dataclass(frozen=True)
class FetchResult:
    url_requested: str
    url_final: str
    ok: bool  # an HTTP response was received (any status)
    status: int | None = None
    error: str = ""  # stable code, "" when fine; see DETAILS
    error_detail: str = ""  # French sentence explaining the error
    redirects: list[tuple[int, str]] = field(default_factory=list)  # (status, location) in order
    http_to_https: bool | None = None  # http://host redirects to https://; None if not probed
    https: bool = False  # final URL is https
    tls_valid: bool | None = None  # None when not https / not reached
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names, final response
    content_type: str = ""  # media type only, lower-cased, e.g. "text/html"
    encoding: str = ""  # codec used to decode text
    body: bytes = b""  # truncated at settings.max_bytes
    truncated: bool = False
    text: str = ""  # body decoded, errors replaced ("" when not HTML/text)
    elapsed_ms: int = 0  # time to the final response
    size_bytes: int = 0  # bytes read (== len(body))
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))  # aware, UTC


# --------------------------------------------------------------------------- settings

USER_AGENT = (
    "Balise/0.1 (+https://github.com/balise-ot; audit du numérique des prestataires touristiques)"
)
HTML_TYPES = {"text/html", "application/xhtml+xml"}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class FetchSettings:
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 20.0  # whole fetch: redirects, body and HTTP probe
    max_bytes: int = 3 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = USER_AGENT
    accept_language: str = "fr-FR,fr;q=0.9,en;q=0.5"
    probe_http: bool = True  # probe http://host/ for the HTTP->HTTPS redirect
    http_probe_port: int | None = None  # None: default port 80 (tests use a local port)
    per_host_delay: float = 0.0  # fetch_many: pause between two requests to one host

    @classmethod
    def from_django(cls, **overrides) -> FetchSettings:
        """Values from settings.BALISE_AUDIT_FETCH (a dict), if defined."""
        try:
            from django.conf import settings as dj

            values = dict(getattr(dj, "BALISE_AUDIT_FETCH", {}) or {})
        except Exception:  # Django not configured
            values = {}
        values.update(overrides)
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


DETAILS = {
    "invalid_url": "L'adresse du site n'est pas valide ({}).",
    "dns": "Le nom de domaine {} n'existe pas ou ne répond pas (erreur DNS).",
    "refused_address": "L'adresse {} pointe vers un réseau privé ou réservé : "
    "elle n'est pas auditée par sécurité.",
    "connect": "Impossible de se connecter au serveur {}.",
    "timeout": "Le serveur {} a mis trop de temps à répondre.",
    "tls": "La connexion sécurisée (HTTPS) avec {} a échoué.",
    "too_many_redirects": "Trop de redirections successives (plus de {}).",
    "redirect_loop": "Les redirections tournent en boucle ({}).",
    "too_large": "La page dépasse la taille maximale analysée ({} octets) "
    "et son début n'est pas exploitable.",
    "not_html": "La réponse n'est pas une page web HTML (type : {}).",
    "http_error": "Le serveur a répondu avec une erreur HTTP {}.",
    "protocol": "Le serveur {} a envoyé une réponse HTTP invalide.",
    "internal": "Erreur inattendue pendant la récupération de la page ({}).",
}


def _detail(code: str, arg: object = "") -> str:
    return DETAILS[code].format(arg)


def _ascii(value: str) -> str:
    """HTTP header values must be ASCII: "numérique" is sent as "numerique"."""
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")


def make_client(
    *, verify: bool = True, settings: FetchSettings = FetchSettings(), guard: NetGuard | None = None
) -> httpx.AsyncClient:
    """An AsyncClient whose every TCP connection goes through the SSRF guard.

    Keep-alive is off: connections are never reused across sites, and no proxy is used
    (trust_env=False) so the guard sees the real destination.
    """
    transport = httpx.AsyncHTTPTransport(verify=verify, trust_env=False)
    ssl_context = httpx.create_ssl_context(verify=verify, trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context,
        max_connections=None,
        max_keepalive_connections=0,
        network_backend=GuardedBackend(guard or NetGuard()),
    )
    client = httpx.AsyncClient(
        transport=transport,
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(
            settings.read_timeout, connect=settings.connect_timeout, pool=settings.total_timeout
        ),
        headers={
            "User-Agent": _ascii(settings.user_agent),
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            "Accept-Language": settings.accept_language,
        },
    )
    client._balise_guarded = True
    return client


# --------------------------------------------------------------------------- helpers


class _Clients:
    """Verified client (maybe caller's) + lazily created unverified one for bad certs."""

    def __init__(self, client, settings, guard):
        self.settings = settings
        self.guard = guard
        self.secure = client or make_client(settings=settings, guard=guard)
        self.owns_secure = client is None
        self._insecure: httpx.AsyncClient | None = None

    def insecure(self) -> httpx.AsyncClient:
        if self._insecure is None:
            self._insecure = make_client(verify=False, settings=self.settings, guard=self.guard)
        return self._insecure

    async def aclose(self):
        if self.owns_secure:
            await self.secure.aclose()
        if self._insecure is not None:
            await self._insecure.aclose()


def _cert_invalid(exc: BaseException) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ssl.SSLCertVerificationError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _is_ssl(exc: BaseException) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ssl.SSLError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _validate(url: str) -> httpx.URL | str:
    """Parsed URL, or an error message."""
    try:
        parsed = httpx.URL(url)
    except Exception as exc:  # httpx.InvalidURL and friends
        return str(exc) or "URL illisible"
    if parsed.scheme not in ("http", "https"):
        return f"protocole « {parsed.scheme or '?'} » non pris en charge"
    if not parsed.host:
        return "nom d'hôte absent"
    raw_host = parsed.raw_host.decode("ascii", "replace")
    if not (_HOSTNAME.fullmatch(raw_host) or ":" in raw_host):  # ":" = IPv6 literal
        return f"nom d'hôte invalide « {parsed.host} »"
    return parsed


_HOSTNAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9])?\.?")


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_WHATWG = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso8859-1": "cp1252",
    "l1": "cp1252",
}


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _WHATWG.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_body(body: bytes, content_type_header: str) -> tuple[str, str]:
    """(text, codec) using BOM, then the HTTP charset, then <meta>, then UTF-8/cp1252."""
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if body.startswith(bom):
            return body[len(bom) :].decode(enc, errors="replace"), enc
    header_cs = None
    m = re.search(r"charset\s*=\s*[\"']?([^;\"'\s]+)", content_type_header or "", re.I)
    if m:
        header_cs = _codec(m.group(1))
    meta_cs = None
    m = _META_CHARSET.search(body[:4096])
    if m:
        meta_cs = _codec(m.group(1).decode("ascii", "replace"))
    codec = header_cs or meta_cs
    if codec in ("utf-16", "utf-16-le", "utf-16-be"):  # a meta can't declare UTF-16 in ASCII
        codec = header_cs if header_cs and header_cs.startswith("utf-16") else None
    if codec is None:
        try:
            return body.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            if exc.start >= len(body) - 3:  # cut inside a multi-byte char by truncation
                return body.decode("utf-8", errors="replace"), "utf-8"
            codec = "cp1252"
    return body.decode(codec, errors="replace"), codec


def _host_label(url: httpx.URL | str) -> str:
    try:
        return httpx.URL(str(url)).host or str(url)
    except Exception:
        return str(url)


# --------------------------------------------------------------------------- fetching


class _Abort(Exception):
    def __init__(self, code: str, detail: str):
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass
class _State:
    url: str
    redirects: list = field(default_factory=list)
    tls_valid: bool | None = None
    status: int | None = None
    headers: dict = field(default_factory=dict)
    elapsed_ms: int = 0
    body: bytes = b""
    truncated: bool = False


async def _send(clients: _Clients, state: _State, url: httpx.URL) -> httpx.Response:
    """Open one hop (headers only). Bad certificate: note it and retry unverified."""
    client = clients.secure
    if url.scheme == "https" and state.tls_valid is False:
        client = clients.insecure()
    try:
        try:
            response = await client.send(client.build_request("GET", url), stream=True)
            if url.scheme == "https" and state.tls_valid is None:
                state.tls_valid = True
            return response
        except httpx.ConnectError as exc:
            if url.scheme == "https" and _cert_invalid(exc) and client is clients.secure:
                state.tls_valid = False
                client = clients.insecure()
                return await client.send(client.build_request("GET", url), stream=True)
            raise
    except GuardError as exc:
        code = exc.code
        arg = url.host if code == "dns" else f"{url.host} ({getattr(exc, 'address', '')})"
        raise _Abort(code, _detail(code, arg)) from exc
    except httpx.TimeoutException as exc:
        raise _Abort("timeout", _detail("timeout", url.host)) from exc
    except httpx.ConnectError as exc:
        if _is_ssl(exc):
            raise _Abort("tls", _detail("tls", url.host)) from exc
        raise _Abort("connect", _detail("connect", url.host)) from exc
    except (httpx.RemoteProtocolError, httpx.LocalProtocolError) as exc:
        raise _Abort("protocol", _detail("protocol", url.host)) from exc
    except httpx.TransportError as exc:
        raise _Abort("connect", _detail("connect", url.host)) from exc


async def _follow(clients: _Clients, state: _State, start: httpx.URL) -> httpx.Response:
    """Follow redirects manually (each hop is a new guarded connection)."""
    settings = clients.settings
    url = start
    visited = {str(url)}
    t0 = time.monotonic()
    while True:
        state.url = str(url)
        response = await _send(clients, state, url)
        state.status = response.status_code
        state.headers = {k.lower(): v for k, v in response.headers.items()}
        state.elapsed_ms = int((time.monotonic() - t0) * 1000)
        location = response.headers.get("location")
        if response.status_code not in REDIRECT_STATUSES or not location:
            return response
        await response.aclose()
        try:
            nxt = url.join(location.strip())
        except Exception as exc:
            raise _Abort("invalid_url", _detail("invalid_url", location)) from exc
        state.redirects.append((response.status_code, str(nxt)))
        checked = _validate(str(nxt))
        if isinstance(checked, str):
            raise _Abort("invalid_url", _detail("invalid_url", f"redirection vers {nxt}"))
        if str(nxt) in visited:
            raise _Abort("redirect_loop", _detail("redirect_loop", str(nxt)))
        if len(state.redirects) > settings.max_redirects:
            raise _Abort(
                "too_many_redirects", _detail("too_many_redirects", settings.max_redirects)
            )
        visited.add(str(nxt))
        url = nxt


async def _read_body(response: httpx.Response, state: _State, max_bytes: int) -> None:
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            if size + len(chunk) > max_bytes:
                chunks.append(chunk[: max_bytes - size])
                size = max_bytes
                state.truncated = True
                break
            chunks.append(chunk)
            size += len(chunk)
            state.body = b"".join(chunks)  # keep what we have if a timeout cuts us off
    except httpx.TimeoutException as exc:
        state.body = b"".join(chunks)
        raise _Abort("timeout", _detail("timeout", response.url.host)) from exc
    except (httpx.DecodingError, httpx.RemoteProtocolError):
        state.truncated = True  # broken compression / connection cut: keep what we have
    finally:
        await response.aclose()
    state.body = b"".join(chunks)


def _build(requested: str, state: _State, code: str = "", detail: str = "", http_to_https=None):
    ctype_header = state.headers.get("content-type", "")
    media = ctype_header.split(";", 1)[0].strip().lower()
    text, encoding = "", ""
    if state.body and (media in HTML_TYPES or media.startswith("text/") or not media):
        text, encoding = decode_body(state.body, ctype_header)
    final = state.url
    return FetchResult(
        url_requested=requested,
        url_final=final,
        ok=state.status is not None,
        status=state.status,
        error=code,
        error_detail=detail,
        redirects=list(state.redirects),
        http_to_https=http_to_https,
        https=final.startswith("https://"),
        tls_valid=state.tls_valid,
        headers=dict(state.headers),
        content_type=media,
        encoding=encoding,
        body=state.body,
        truncated=state.truncated,
        text=text,
        elapsed_ms=state.elapsed_ms,
        size_bytes=len(state.body),
    )


async def _fetch_one(clients: _Clients, url: httpx.URL) -> tuple[_State, str, str]:
    """Fetch url (redirects, body). Returns (state, error code, detail)."""
    settings = clients.settings
    state = _State(url=str(url))
    try:
        response = await _follow(clients, state, url)
        media = state.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media and media not in HTML_TYPES:
            await response.aclose()
            return state, "not_html", _detail("not_html", media)
        await _read_body(response, state, settings.max_bytes)
    except _Abort as exc:
        return state, exc.code, exc.detail
    if not media and state.body and b"<" not in state.body[:1024]:
        return state, "not_html", _detail("not_html", "non précisé")
    if state.truncated and not re.search(rb"<body|</head", state.body, re.I):
        return state, "too_large", _detail("too_large", settings.max_bytes)
    if state.status is not None and state.status >= 400:
        return state, "http_error", _detail("http_error", state.status)
    return state, "", ""


async def _probe_http(clients: _Clients, url: httpx.URL) -> bool | None:
    """Does http://host/ end on https://? None if http:// cannot be reached at all."""
    settings = clients.settings
    port = settings.http_probe_port
    probe = url.copy_with(scheme="http", port=port, path="/", query=None, fragment=None)
    state = _State(url=str(probe))
    try:
        response = await _follow(clients, state, probe)
        await response.aclose()
    except _Abort as exc:
        if exc.code in ("too_many_redirects", "redirect_loop"):
            return any(loc.startswith("https://") for _, loc in state.redirects) or False
        if state.redirects:
            return state.redirects[-1][1].startswith("https://")
        return None
    return state.url.startswith("https://")


async def _fetch_site(url: str, clients: _Clients) -> FetchResult:
    settings = clients.settings
    requested = url
    raw = (url or "").strip()
    no_scheme = "://" not in raw and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", raw)
    if no_scheme and raw.startswith("//"):
        raw = raw[2:]
    candidate = f"https://{raw}" if no_scheme else raw
    parsed = _validate(candidate)
    if isinstance(parsed, str):
        state = _State(url=raw)
        return _build(requested, state, "invalid_url", _detail("invalid_url", parsed))
    probe_task = None
    if settings.probe_http and parsed.scheme == "https":
        probe_task = asyncio.ensure_future(_probe_http(clients, parsed))
    try:
        state, code, detail = await _fetch_one(clients, parsed)
        if no_scheme and code in ("connect", "tls"):  # no https at all: try plain http
            state2, code2, detail2 = await _fetch_one(clients, parsed.copy_with(scheme="http"))
            if state2.status is not None:
                state, code, detail = state2, code2, detail2
        http_to_https = None
        if probe_task is not None:
            http_to_https = await probe_task
        elif parsed.scheme == "http" and state.status is not None:
            http_to_https = state.url.startswith("https://")
        return _build(requested, state, code, detail, http_to_https)
    finally:
        if probe_task is not None and not probe_task.done():
            probe_task.cancel()


async def fetch_site(
    url: str,
    *,
    client: httpx.AsyncClient | None = None,
    settings: FetchSettings = FetchSettings(),
    guard: NetGuard | None = None,
) -> FetchResult:
    """Fetch one site safely. Never raises (except cancellation).

    ``client`` should come from make_client() (it carries the SSRF guard); when omitted
    a guarded client is created and closed here. A bad TLS certificate is recorded
    (tls_valid=False) and the page is then read without verification so the other
    checks can still run; error stays "" in that case (the certificate check reads
    tls_valid). error="tls" means no HTTPS connection could be made at all.
    """
    clients = None
    state = _State(url=url)
    try:
        clients = _Clients(client, settings, guard)
        async with asyncio.timeout(settings.total_timeout):
            return await _fetch_site(url, clients)
    except TimeoutError:
        return _build(url, state, "timeout", _detail("timeout", _host_label(url)))
    except Exception as exc:  # last-resort: never let one site break a batch
        return _build(url, state, "internal", _detail("internal", type(exc).__name__))
    finally:
        if clients is not None:
            with contextlib.suppress(Exception):
                await clients.aclose()


def _host_key(url: str) -> str:
    raw = (url or "").strip()
    if "://" not in raw:
        raw = "https://" + raw.lstrip("/")
    try:
        parsed = httpx.URL(raw)
        return f"{parsed.host}:{parsed.port or ''}".lower()
    except Exception:
        return raw


async def fetch_many(
    urls: Iterable[str],
    *,
    concurrency: int = 50,
    per_host: int = 2,
    settings: FetchSettings = FetchSettings(),
    guard: NetGuard | None = None,
) -> AsyncIterator[tuple[str, FetchResult]]:
    """Yield (url, result) as they complete; at most `concurrency` sites at once and
    `per_host` at once per host:port, with settings.per_host_delay between them."""
    global_sem = asyncio.Semaphore(concurrency)
    host_sems: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))
    host_last: dict[str, float] = {}
    client = make_client(settings=settings, guard=guard)

    async def one(url: str) -> tuple[str, FetchResult]:
        key = _host_key(url)
        async with host_sems[key]:
            if settings.per_host_delay:
                wait = host_last.get(key, 0.0) + settings.per_host_delay - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            async with global_sem:
                result = await fetch_site(url, client=client, settings=settings, guard=guard)
            host_last[key] = time.monotonic()
        return url, result

    tasks = [asyncio.ensure_future(one(u)) for u in dict.fromkeys(urls)]
    try:
        for done in asyncio.as_completed(tasks):
            yield await done
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await client.aclose()


def fetch_all(
    urls: Iterable[str],
    *,
    concurrency: int = 50,
    per_host: int = 2,
    settings: FetchSettings = FetchSettings(),
    guard: NetGuard | None = None,
    on_result=None,
) -> dict[str, FetchResult]:
    """Synchronous wrapper for tasks and commands; on_result(url, result) for progress."""

    async def run():
        out = {}
        async for url, result in fetch_many(
            urls, concurrency=concurrency, per_host=per_host, settings=settings, guard=guard
        ):
            out[url] = result
            if on_result is not None:
                on_result(url, result)
        return out

    return run_sync(run())


def run_sync(coro):
    """``asyncio.run``, also from a thread whose event loop is already running (a test
    driving a browser, an async server): then the coroutine runs on a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
