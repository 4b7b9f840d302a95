"""The example's HTML dashboard in a real browser (headless Chromium): it loads without a console error, every
chart's SVG is there and not empty, the screenshot is not blank, and the page prints to PDF.

Skipped, saying why, when no Chromium is installed (`apt-get install chromium`; `.ci/run` installs it)."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib

import pytest

from conftest import EXAMPLE

BROWSER = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome") if shutil.which(name)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium on this machine (apt-get install chromium): the browser tests of the HTML dashboard were skipped")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-extensions", "--hide-scrollbars"]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from salesplan_cli.cli.app import main

    target = tmp_path_factory.mktemp("browser") / "dashboard.html"
    assert main(["report", "-w", str(EXAMPLE), "--as-of", "2027-10-15", "-f", "html", "-o", str(target)]) == 0
    return target


def chromium(*args: str, cwd) -> subprocess.CompletedProcess:
    env = dict(os.environ, HOME=str(cwd))  # its profile and crash folders in the test's folder
    return subprocess.run([BROWSER, *FLAGS, f"--user-data-dir={cwd / 'profile'}", *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=env)


def test_the_dom_has_every_chart_and_no_console_error(page):
    run = chromium("--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri(), cwd=page.parent)
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    svgs = re.findall(r"<svg[^>]*class=\"chart\"[^>]*>(.*?)</svg>", dom, flags=re.S)
    assert len(svgs) >= 15
    assert all(re.search(r"<(rect|polyline|circle)\b", svg) for svg in svgs), "an SVG chart without any shape"
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console


def _png_pixels(data: bytes) -> bytes:
    """The decompressed image data of a PNG (filter bytes included): enough to tell a blank page."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return zlib.decompress(idat)


def test_the_screenshot_is_not_blank(page):
    shot = page.parent / "shot.png"
    run = chromium("--window-size=1200,1600", f"--screenshot={shot}", page.as_uri(), cwd=page.parent)
    assert shot.is_file(), run.stderr[-2000:]
    pixels = _png_pixels(shot.read_bytes())
    distinct = len(set(pixels))
    assert distinct > 50, f"only {distinct} distinct byte values: a blank page?"


def test_the_page_prints_to_pdf(page):
    pdf = page.parent / "dashboard.pdf"
    run = chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri(), cwd=page.parent)
    assert pdf.is_file(), run.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 2  # the dashboard runs over several A4 pages
