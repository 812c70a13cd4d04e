"""Fetcher and SSRF guard, against local servers only (see conftest.py)."""

from __future__ import annotations

import ipaddress

import pytest

from balise.audits.fetcher import FetchResult, FetchSettings, fetch_all, fetch_site, run_sync
from balise.audits.netguard import NetGuard, is_public

FAST = FetchSettings(
    connect_timeout=0.5, read_timeout=0.5, total_timeout=1.5, max_bytes=200_000, probe_http=False
)


def fetch(url, settings=FAST, **kwargs) -> FetchResult:
    return run_sync(fetch_site(url, settings=settings, **kwargs))


# --------------------------------------------------------------------------- pages


def test_html_page(allow_private, http_server):
    r = fetch(f"{http_server}/ok")
    assert r.ok and r.status == 200 and r.error == ""
    assert r.content_type == "text/html" and r.encoding == "utf-8"
    assert "Bonjour" in r.text and r.size_bytes == len(r.body)
    assert r.https is False and r.tls_valid is None and r.redirects == []
    assert r.headers["content-type"].startswith("text/html")
    assert r.fetched_at.tzinfo is not None and r.elapsed_ms >= 0


@pytest.mark.parametrize("path", ["/latin1", "/meta-latin1"])
def test_latin1_declared_in_header_or_meta(allow_private, http_server, path):
    r = fetch(f"{http_server}{path}")
    assert r.ok and r.encoding == "cp1252"  # WHATWG: iso-8859-1 means windows-1252
    assert "Gîte de la forêt" in r.text and "fête à Noël" in r.text


def test_redirect_chain(allow_private, http_server):
    r = fetch(f"{http_server}/r1")
    assert r.ok and r.status == 200 and r.error == ""
    assert r.redirects == [(301, f"{http_server}/r2"), (302, f"{http_server}/ok")]
    assert r.url_final == f"{http_server}/ok" and r.url_requested == f"{http_server}/r1"
    assert r.http_to_https is False  # an http URL that stays http


def test_redirect_loop(allow_private, http_server):
    r = fetch(f"{http_server}/loop-a")
    assert r.error == "redirect_loop" and "boucle" in r.error_detail
    assert len(r.redirects) == 2


def test_too_many_redirects(allow_private, http_server):
    r = fetch(f"{http_server}/many/0")
    assert r.error == "too_many_redirects" and len(r.redirects) == 6


@pytest.mark.parametrize("status", [404, 500])
def test_http_errors(allow_private, http_server, status):
    r = fetch(f"{http_server}/{status}")
    assert r.ok and r.status == status and r.error == "http_error"
    assert str(status) in r.error_detail


@pytest.mark.parametrize(
    ("path", "ctype"), [("/pdf", "application/pdf"), ("/json", "application/json")]
)
def test_not_html(allow_private, http_server, path, ctype):
    r = fetch(f"{http_server}{path}")
    assert r.ok and r.status == 200 and r.error == "not_html" and r.content_type == ctype
    assert r.body == b"" and "HTML" in r.error_detail


def test_huge_page_truncated(allow_private, http_server):
    r = fetch(f"{http_server}/huge")
    assert r.ok and r.truncated and r.size_bytes == FAST.max_bytes == len(r.body)
    assert r.error == ""  # the start of the page is usable


def test_huge_page_unusable(allow_private, http_server):
    r = fetch(f"{http_server}/huge", settings=FetchSettings(max_bytes=10, probe_http=False))
    assert r.truncated and r.error == "too_large"


def test_slow_server_times_out(allow_private, http_server):
    r = fetch(f"{http_server}/slow")
    assert not r.ok and r.error == "timeout" and "trop de temps" in r.error_detail


def test_slowloris_total_timeout(allow_private, http_server):
    settings = FetchSettings(read_timeout=0.5, total_timeout=1.0, probe_http=False)
    r = fetch(f"{http_server}/slowloris", settings=settings)
    assert r.error == "timeout"


def test_connection_refused(allow_private):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = fetch(f"http://127.0.0.1:{port}/")
    assert not r.ok and r.error == "connect"


# --------------------------------------------------------------------------- TLS / HTTPS


def test_self_signed_certificate(allow_private, https_server):
    r = fetch(f"{https_server}/ok")
    assert r.ok and r.status == 200 and r.https is True
    assert r.tls_valid is False and r.error == "" and "Bonjour" in r.text


def test_http_to_https_redirect(allow_private, http_server, https_server):
    r = fetch(f"{http_server}/to-https")
    assert r.ok and r.https and r.http_to_https is True and r.url_final == f"{https_server}/ok"
    assert r.tls_valid is False


def test_http_to_https_probe(allow_private, http_server, https_server):
    """https:// requested: http://host/ is probed separately (local port instead of 80)."""
    http_port = int(http_server.rsplit(":", 1)[1])
    settings = FetchSettings(total_timeout=3, probe_http=True, http_probe_port=http_port)
    r = fetch(f"{https_server}/ok", settings=settings)
    assert r.ok and r.http_to_https is False  # "/" on the http server answers 200 in http


def test_no_scheme_falls_back_to_http(allow_private, http_server):
    hostport = http_server.removeprefix("http://")
    r = fetch(f"{hostport}/ok")
    assert r.ok and r.url_final == f"{http_server}/ok" and r.https is False


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "url",
    [
        "",
        "ftp://example.fr/",
        "javascript:alert(1)",
        "http://",
        "http://exa mple.fr/",
        "mailto:a@b.fr",
    ],
)
def test_invalid_urls(url):
    r = fetch(url)
    assert not r.ok and r.error == "invalid_url" and r.error_detail


def test_dns_failure(deny_private):
    r = fetch("http://ce-site-n-existe-pas.invalid/")
    assert not r.ok and r.error == "dns" and "DNS" in r.error_detail


# --------------------------------------------------------------------------- SSRF


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/ok",
        "http://localhost:{port}/ok",
        "http://[::1]:{port}/ok",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]:{port}/ok",
        "http://0.0.0.0:{port}/",
        "http://2130706433:{port}/",  # 127.0.0.1 as an integer
    ],
)
def test_ssrf_refused_by_default(deny_private, http_server, url):
    port = http_server.rsplit(":", 1)[1]
    r = fetch(url.format(port=port))
    assert not r.ok and r.error == "refused_address", r
    assert "privé" in r.error_detail


def _fake_dns_guard():
    async def resolver(host, port):
        return {"site.test": ["127.0.0.1"]}.get(host) or []

    return NetGuard(resolver=resolver, allow=lambda host, ip: host == "site.test")


def test_ssrf_redirect_to_loopback_refused(deny_private, http_server):
    port = http_server.rsplit(":", 1)[1]
    guard = _fake_dns_guard()
    ok = fetch(f"http://site.test:{port}/ok", guard=guard)
    assert ok.ok and ok.status == 200  # the allowed first hop works
    r = fetch(f"http://site.test:{port}/to-loopback", guard=guard)
    assert r.error == "refused_address" and r.redirects == [(302, f"http://127.0.0.1:{port}/ok")]
    r = fetch(f"http://site.test:{port}/to-metadata", guard=guard)
    assert r.error == "refused_address"


def test_dns_resolving_to_private_is_refused(deny_private):
    async def resolver(host, port):
        return ["93.184.216.34", "192.168.1.10"]  # one bad address is enough

    r = fetch("http://rebind.test/", guard=NetGuard(resolver=resolver))
    assert r.error == "refused_address"


def test_env_switch_read_at_call_time(monkeypatch, http_server):
    monkeypatch.setenv("BALISE_AUDIT_ALLOW_PRIVATE", "0")
    assert fetch(f"{http_server}/ok").error == "refused_address"
    monkeypatch.setenv("BALISE_AUDIT_ALLOW_PRIVATE", "1")
    assert fetch(f"{http_server}/ok").ok


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.0.1", False),
        ("100.64.0.1", False),
        ("169.254.169.254", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("0.0.0.0", False),
        ("::", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:a00:1::", False),  # 6to4 of 10.0.0.1
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
    ],
)
def test_is_public(address, public):
    assert is_public(ipaddress.ip_address(address)) is public


# --------------------------------------------------------------------------- batch


def test_fetch_all_batch_never_stops(allow_private, http_server):
    urls = [f"{http_server}/ok", f"{http_server}/404", "ftp://x", f"{http_server}/loop-a"]
    results = fetch_all(urls, concurrency=3, per_host=2, settings=FAST)
    assert set(results) == set(urls)
    assert results[f"{http_server}/ok"].ok
    assert results["ftp://x"].error == "invalid_url"
    assert results[f"{http_server}/loop-a"].error == "redirect_loop"
