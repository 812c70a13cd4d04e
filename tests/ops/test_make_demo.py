"""`make demo PORT=…`: the personal links, e-mails and start message name the port served."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not shutil.which("make"), reason="needs make")


def make_demo(tmp_path, *args: str, **env: str) -> str:
    """What ``make demo`` runs, with a stand-in ``balise`` that prints the site address
    each of its commands (migrate, demo, db_worker, runserver) would use."""
    stub = tmp_path / "balise"
    # runserver lingers a moment, as the real one does, so the worker started beside it in
    # the background has printed before the Makefile's trap stops both.
    stub.write_text(
        '#!/bin/sh\necho "$1 uses ${BALISE_SITE_URL:-the default}"\n'
        'if [ "$1" = runserver ]; then sleep 1; fi\n'
    )
    stub.chmod(0o755)
    environment = {k: v for k, v in os.environ.items() if k != "BALISE_SITE_URL"} | env
    result = subprocess.run(
        ["make", "--no-print-directory", "demo", f"BALISE={stub}", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        # The recipe ends with `kill 0` on its own process group: keep it away from ours.
        start_new_session=True,
    )
    return result.stdout


def test_the_demo_links_follow_the_port_it_is_served_on(tmp_path):
    out = make_demo(tmp_path, "PORT=8100")
    for command in ("demo", "db_worker", "runserver"):
        assert f"{command} uses http://127.0.0.1:8100\n" in out
    assert "8000" not in out


def test_the_demo_links_follow_the_host_too(tmp_path):
    out = make_demo(tmp_path, "HOST=192.168.1.20", "PORT=8100")
    assert "demo uses http://192.168.1.20:8100\n" in out


def test_an_explicit_site_address_wins(tmp_path):
    out = make_demo(tmp_path, "PORT=8100", BALISE_SITE_URL="https://demo.example")
    assert "demo uses https://demo.example\n" in out
    assert "runserver uses https://demo.example\n" in out
