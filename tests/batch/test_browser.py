"""The batch runner's pages as a person sees them: headless Chromium opens index.html and a report.

Chromium is driven by chromedriver's W3C WebDriver protocol over HTTP on the loopback address,
with the standard library only (no selenium). Skipped when Chromium or chromedriver is missing
(Debian: ``apt-get install chromium chromium-driver``).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from PIL import Image

from helpers import batch

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1200,1500"]
PAGE_STATE = """return {
  text: document.body ? document.body.innerText.trim().length : 0,
  images: Array.from(document.images).map(image => ({
    src: image.src.slice(0, 30), complete: image.complete, width: image.naturalWidth})),
  links: Array.from(document.links).map(link => link.getAttribute('href')),
};"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                       reason="chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"),
]


class WebDriver:
    """The few W3C WebDriver commands the test needs, sent to a local chromedriver."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.session = ""

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, *, timeout: float = 60) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())["value"]

    def open(self, page: Path) -> dict[str, Any]:
        """Load ``page`` and return its text length, images and links."""
        self.call("POST", f"/session/{self.session}/url", {"url": page.resolve().as_uri()})
        return self.call("POST", f"/session/{self.session}/execute/sync", {"script": PAGE_STATE, "args": []})

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self.call("GET", f"/session/{self.session}/screenshot")))
        return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def chromium_session(profile_dir: Path) -> Iterator[WebDriver]:
    port = free_port()
    driver_process = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
    driver = WebDriver(port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if driver.call("GET", "/status", timeout=2).get("ready"):
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("chromedriver did not start within 30 s")
            time.sleep(0.2)
        options = {"binary": CHROMIUM, "args": [*CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}"]}
        capabilities = {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}
        driver.session = driver.call("POST", "/session", {"capabilities": capabilities}, timeout=120)["sessionId"]
        try:
            yield driver
        finally:
            driver.call("DELETE", f"/session/{driver.session}")
    finally:
        driver_process.terminate()
        driver_process.wait(timeout=30)


def assert_not_blank(screenshot: Path) -> None:
    """At least 1% of the pixels are visibly darker than white."""
    grey = Image.open(screenshot).convert("L")
    histogram = grey.histogram()
    assert sum(histogram[:230]) > 0.01 * grey.width * grey.height, f"{screenshot} looks blank"


PARAMETERS_CELL = '''profile = "smoke"  # smoke | quick | paper
output_dir = "outputs/interactive/00"  # where results go
data_dir = None  # dataset folder
device = "auto"  # auto | cpu | cuda | mps'''
FIGURE_CELL = '''import json, pathlib
from matplotlib.figure import Figure
from IPython.display import display
pathlib.Path(output_dir).mkdir(parents=True, exist_ok=True)
headline = [{"label": "test top-1", "paper": 0.9357, "this_run": 0.9, "unit": "fraction"}]
(pathlib.Path(output_dir) / "metrics.json").write_text(json.dumps({"title": "Tiny study", "headline": headline}))
figure = Figure(figsize=(3, 2))
figure.add_subplot().plot([0, 1, 2], [0, 1, 4])
display(figure)'''


@pytest.fixture(scope="module")
def profile_dir(tmp_path_factory) -> Path:
    """A real one-notebook batch run (the notebook writes metrics and displays a figure)."""
    notebooks = tmp_path_factory.mktemp("notebooks")
    cells = [new_code_cell(PARAMETERS_CELL, metadata={"tags": ["parameters"]}), new_code_cell(FIGURE_CELL)]
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": kernelspec}), notebooks / "01_tiny.ipynb")
    out = tmp_path_factory.mktemp("outputs")
    with contextlib.redirect_stdout(io.StringIO()):
        assert batch.main(["--notebooks-dir", str(notebooks), "--out", str(out), "--timeout", "120"]) == 0
    return out / "smoke"


def test_index_and_report_render_in_chromium(profile_dir, tmp_path):
    with chromium_session(tmp_path / "chromium-profile") as driver:
        index = driver.open(profile_dir / "index.html")
        index_png = driver.screenshot(tmp_path / "index.png")
        report = driver.open(profile_dir / "01" / "report.html")
        report_png = driver.screenshot(tmp_path / "report.png")

    assert index["text"] > 200 and "01/report.html" in index["links"]
    assert_not_blank(index_png)
    assert report["text"] > 100
    assert report["images"], "the report shows no image"
    for image in report["images"]:
        assert image["complete"] and image["width"] > 0, f"image not loaded: {image}"
        assert image["src"].startswith("data:image/png;base64")
    assert_not_blank(report_png)
