"""Local HTTP and HTTPS test servers for the audit fetcher (no Internet)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

LATIN1_PAGE = (
    "<html><head><meta charset='iso-8859-1'><title>Gîte de la forêt</title></head>"
    "<body><p>Café, crêpes et fête à Noël</p></body></html>"
).encode("latin-1")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    https_port = 0  # set by fixtures
    http_port = 0

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, status, body=b"", ctype="text/html; charset=utf-8", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location, status=301):
        self._send(status, b"", headers=[("Location", location)])

    def do_GET(self):
        path = self.path
        if path == "/" or path == "/ok":
            self._send(200, b"<html><head><title>OK</title></head><body>Bonjour</body></html>")
        elif path == "/latin1":
            self._send(200, LATIN1_PAGE, "text/html; charset=ISO-8859-1")
        elif path == "/meta-latin1":
            self._send(200, LATIN1_PAGE, "text/html")
        elif path == "/r1":
            self._redirect("/r2", 301)
        elif path == "/r2":
            self._redirect(f"http://{self.headers['Host']}/ok", 302)
        elif path == "/loop-a":
            self._redirect("/loop-b", 302)
        elif path == "/loop-b":
            self._redirect("/loop-a", 302)
        elif path.startswith("/many/"):
            n = int(path.rsplit("/", 1)[1])
            self._redirect(f"/many/{n + 1}", 302)
        elif path == "/404":
            self._send(404, b"<html><body>Introuvable</body></html>")
        elif path == "/500":
            self._send(500, b"<html><body>Erreur</body></html>")
        elif path == "/pdf":
            self._send(200, b"%PDF-1.4 fake", "application/pdf")
        elif path == "/json":
            self._send(200, b'{"a": 1}', "application/json")
        elif path == "/huge":
            chunk = b"<p>" + b"x" * 1020 + b"</p>\n"
            count = 4096  # 4 MB
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(chunk) * count + 30))
            self.end_headers()
            try:
                self.wfile.write(b"<html><head></head><body>   \n")
                for _ in range(count):
                    self.wfile.write(chunk)
            except OSError:
                pass
        elif path == "/slow":
            time.sleep(2)
            self._send(200, b"<html>trop tard</html>")
        elif path == "/slowloris":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(30):
                    self.wfile.write(b"<")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
        elif path == "/to-https":
            self._redirect(f"https://127.0.0.1:{Handler.https_port}/ok", 301)
        elif path == "/to-loopback":
            self._redirect(f"http://127.0.0.1:{Handler.http_port}/ok", 302)
        elif path == "/to-metadata":
            self._redirect("http://169.254.169.254/latest/meta-data/", 302)
        else:
            self._send(404, b"not found", "text/plain")


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


def _self_signed(tmp_path_factory):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture(scope="session")
def http_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    Handler.http_port = server.server_address[1]
    _serve(server)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def https_server(tmp_path_factory):
    cert_file, key_file = _self_signed(tmp_path_factory)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    Handler.https_port = server.server_address[1]
    _serve(server)
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def allow_private(monkeypatch):
    monkeypatch.setenv("BALISE_AUDIT_ALLOW_PRIVATE", "1")


@pytest.fixture
def deny_private(monkeypatch):
    monkeypatch.delenv("BALISE_AUDIT_ALLOW_PRIVATE", raising=False)
