"""HTML → PDF offline: our static files are served, every other URL is refused."""

import socket

import pypdfium2 as pdfium
import pytest

from balise.lib import pdf


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the PDF renderer tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_fetcher_refuses_other_sites(no_network):
    fetcher = pdf.StaticFilesFetcher()
    for url in (
        "http://example.org/",
        "https://example.org/static/balise/report.css",
        "http://127.0.0.1:8000/static/balise/report.css",
        "file:///etc/passwd",
        "ftp://example.org/x",
    ):
        with pytest.raises(pdf.RefusedURL):
            fetcher.fetch(url)


def test_fetcher_serves_our_static_files():
    fetcher = pdf.StaticFilesFetcher()
    response = fetcher.fetch(pdf.BASE_URL + "static/balise/report.css")
    assert response.content_type == "text/css"
    assert b".report" in response.read()


@pytest.mark.parametrize(
    "url",
    [
        "static/../settings.py",
        "static/balise/../../settings.py",
        "static/%2e%2e/settings.py",
        "static/",
        "static/balise/nexiste-pas.css",
        "media/imports/x.csv",
    ],
)
def test_fetcher_refuses_paths_outside_static(url):
    with pytest.raises(pdf.RefusedURL):
        pdf.StaticFilesFetcher().fetch(pdf.BASE_URL + url)


def test_data_urls_are_allowed():
    response = pdf.StaticFilesFetcher().fetch("data:text/plain;base64,Qm9uam91cg==")
    assert response.read() == b"Bonjour"


def test_document_with_remote_resources_renders_without_fetching_them(no_network):
    html = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>T</title>'
        '<link rel="stylesheet" href="http://example.org/evil.css">'
        '<link rel="stylesheet" href="/static/balise/report.css"></head>'
        '<body class="report-pdf"><h1>Bonjour</h1>'
        '<img src="http://example.org/pixel.png" alt="">'
        '<img src="https://169.254.169.254/latest/meta-data" alt=""></body></html>'
    )
    data = pdf.html_to_pdf(html)
    assert data.startswith(b"%PDF")
    document = pdfium.PdfDocument(data)
    try:
        assert len(document) == 1
        assert "Bonjour" in document[0].get_textpage().get_text_range()
    finally:
        document.close()


def test_static_name():
    assert pdf.static_name(pdf.BASE_URL + "static/balise/report.css") == "balise/report.css"
    assert pdf.static_name(pdf.BASE_URL + "static/balise/report.css?v=2#x") == "balise/report.css"
    assert pdf.static_name("https://example.org/static/balise/report.css") is None
