"""The batch runner's pages as a person sees them: headless Chromium opens index.html and a report,
on a laptop (1280 px) and on a phone (390 px), with the mouse and with the keyboard alone.

Chromium is driven by chromedriver's W3C WebDriver protocol over HTTP on the loopback address,
with the standard library only (no selenium). Skipped when Chromium or chromedriver is missing
(Debian: ``apt-get install chromium chromium-driver``).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
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
from helpers.batch.publish import publish_study
from helpers.batch.reports import render_report, write_profile_pages
from helpers.batch.state import RECORD_NAME, published_results

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1200,1500"]
PAGE_STATE = """return {
  text: document.body ? document.body.innerText.trim().length : 0,
  images: Array.from(document.images).map(image => ({
    src: image.src.slice(0, 30), complete: image.complete, width: image.naturalWidth, alt: image.alt})),
  links: Array.from(document.links).map(link => link.getAttribute('href')),
};"""

TAB, ENTER, SPACE = "\ue004", "\ue007", " "  # W3C WebDriver key codes
PHONE, LAPTOP = 390, 1280  # CSS pixels: an iPhone 12-15 held upright; a common laptop
PUBLISHED = Path(__file__).resolve().parents[2] / "reports" / "cpu"
PAGE_LAYOUT = """const box = document.querySelector('#results').parentElement;
return {page: document.scrollingElement.scrollWidth, window: window.innerWidth,
        table: box.scrollWidth, box: box.clientWidth, boxOverflow: getComputedStyle(box).overflowX};"""
FOCUSED = "const e = document.activeElement; return e.tagName == 'BUTTON' ? e.textContent : e.tagName"
SORTED_COLUMN = """const table = document.getElementById('results'), column = arguments[0];
return {cells: Array.from(table.tBodies[0].rows, row => row.cells[column].textContent),
        sort: Array.from(table.tHead.rows[0].cells, cell => cell.getAttribute('aria-sort'))};"""

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

    def run(self, script: str, *args: Any) -> Any:
        """The value of ``script`` (a function body) run in the page."""
        return self.call("POST", f"/session/{self.session}/execute/sync", {"script": script, "args": list(args)})

    def resize(self, width: int, height: int = 900) -> None:
        """Make the window (headless: the viewport) ``width`` by ``height`` CSS pixels."""
        self.call("POST", f"/session/{self.session}/window/rect", {"width": width, "height": height})

    def press(self, key: str) -> None:
        """Press and release ``key`` (a character, or a WebDriver key code such as :data:`TAB`) on
        whatever element has the focus, as a person at the keyboard does."""
        actions = [{"type": "key", "id": "keyboard", "actions": [{"type": "keyDown", "value": key},
                                                                 {"type": "keyUp", "value": key}]}]
        self.call("POST", f"/session/{self.session}/actions", {"actions": actions})

    def follow_link(self, text: str) -> str | None:
        """Click the link that reads ``text``, as a person does, and return the path of the page it
        opens; None when the page has no such link."""
        try:
            element = self.call("POST", f"/session/{self.session}/element", {"using": "link text", "value": text})
        except urllib.error.HTTPError as error:
            if error.code == 404:  # W3C: "no such element"
                return None
            raise
        self.call("POST", f"/session/{self.session}/element/{next(iter(element.values()))}/click", {})
        return self.run("return location.pathname")

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
from IPython.display import display
from helpers.plots import plot_curves
pathlib.Path(output_dir).mkdir(parents=True, exist_ok=True)
headline = [{"label": "test top-1", "paper": 0.9357, "this_run": 0.9, "unit": "fraction"}]
(pathlib.Path(output_dir) / "metrics.json").write_text(json.dumps({"title": "Tiny study", "headline": headline}))
figure = plot_curves([{"train_loss": 2.0}, {"train_loss": 1.5}], "loss", splits=("train",), title="Figure 1: tiny loss")
display(figure)'''
FIGURE_DESCRIPTION = "Figure 1: tiny loss: cross-entropy loss against epoch (train)"


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


@pytest.fixture(scope="module")
def published_pages(tmp_path_factory) -> Path:
    """The pages of the published ``cpu`` profile as this code makes them: the index rebuilt from
    the studies' records in reports/cpu, study 01's report rendered again from its executed notebook."""
    if not (PUBLISHED / "01" / RECORD_NAME).is_file():
        pytest.skip(f"no published reports in {PUBLISHED}")
    folder = tmp_path_factory.mktemp("reports") / "cpu"
    write_profile_pages(folder, published_results(PUBLISHED), profile="cpu", date="d", device="as each report says")
    render_report(next((PUBLISHED / "01").glob("01_*.ipynb")), folder / "01" / "report.html", title="Study 1")
    return folder


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where screenshots go: $SCREENSHOT_DIR when set (to look at them), else the test's own folder."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def as_number(text: str) -> float | None:
    """A cell as the reader reads it: a number (its minus written -, U+2212 or an en dash), or None for '–'."""
    text = text.strip()
    return None if text in ("", "\u2013") else float(text.replace("\u2212", "-").replace("\u2013", "-"))


def test_index_and_report_render_in_chromium(profile_dir, tmp_path):
    published = publish_study(profile_dir / "01", tmp_path / "reports" / "smoke" / "01", [], published="now")
    write_profile_pages(published.parent, published_results(profile_dir), profile="smoke", date="d", device="cpu")
    with chromium_session(tmp_path / "chromium-profile") as driver:
        index = driver.open(profile_dir / "index.html")
        index_png = driver.screenshot(tmp_path / "index.png")
        report = driver.open(profile_dir / "01" / "report.html")
        report_png = driver.screenshot(tmp_path / "report.png")
        shown = driver.open(published / "report.html")  # with publishing's provenance box above the link
        link_top = driver.run("const link = document.querySelector('a[href=\"../index.html\"]');"
                              "return link && link.getBoundingClientRect().top")
        back = (driver.follow_link("\u2190 all reports"),
                driver.run("return (document.querySelector('h1') || {}).textContent"))

    assert index["text"] > 200 and "01/report.html" in index["links"]
    assert_not_blank(index_png)
    assert report["text"] > 100
    assert report["images"], "the report shows no image"
    for image in report["images"]:
        assert image["complete"] and image["width"] > 0, f"image not loaded: {image}"
        assert image["src"].startswith("data:image/png;base64")
        assert image["alt"] == FIGURE_DESCRIPTION  # the figure's title and what it plots, for a screen reader
    assert_not_blank(report_png)
    assert "../index.html" in shown["links"] and 0 <= link_top < 600  # in sight when the page opens
    assert back == ((published.parent / "index.html").as_posix(), "ResNet studies: reports")


def test_the_index_fits_a_phone_and_sorts_from_the_keyboard(published_pages, tmp_path, shots):
    headings = ["study", "headline", "paper (%)", "this run (%)", "uncertainty (points)", "difference (points)",
                "verdict", "seeds", "runs"]
    difference = headings.index("difference (points)")
    typeset = ["\u221299.00", "\u201398.00", "\u22120.50"]  # minus signs as U+2212 and as en dashes
    with chromium_session(tmp_path / "chromium-profile") as driver:
        driver.resize(PHONE)
        driver.open(published_pages / "index.html")
        layout = driver.run(PAGE_LAYOUT)
        assert_not_blank(driver.screenshot(shots / f"index-{PHONE}.png"))
        driver.run("""const body = document.querySelector('#results tbody');
                      for (const text of arguments[0]) {
                        const row = body.rows[0].cloneNode(true);
                        row.cells[arguments[1]].textContent = text;
                        body.appendChild(row);
                      }""", typeset, difference)
        focused = []
        while len(focused) < 80 and "difference (points)" not in focused:  # Tab from the top of the page
            driver.press(TAB)
            focused.append(driver.run(FOCUSED))
        assert layout["page"] <= layout["window"] == PHONE, f"the page scrolls sideways on a phone: {layout}"
        assert layout["table"] > layout["box"] and layout["boxOverflow"] == "auto"  # the table scrolls in its box
        assert [name for name in focused if name in headings] == headings[:difference + 1], focused
        driver.press(ENTER)
        ascending = driver.run(SORTED_COLUMN, difference)
        driver.press(ENTER)
        descending = driver.run(SORTED_COLUMN, difference)
        driver.press(SPACE)
        again = driver.run(SORTED_COLUMN, difference)
        for _ in range(len(headings) - difference - 1):
            driver.press(TAB)
        last = driver.run("return document.activeElement.textContent")

    assert last == "runs"  # every heading is on the Tab path
    for state, direction in ((ascending, "ascending"), (descending, "descending"), (again, "ascending")):
        assert state["sort"] == [direction if index == difference else None for index in range(len(headings))]
        numbers = [as_number(text) for text in state["cells"]]
        present = [number for number in numbers if number is not None]
        assert len(present) < len(numbers) and numbers == present + [None] * (len(numbers) - len(present)), \
            f"a missing value is not last ({direction}): {state['cells']}"
        assert present == sorted(present, reverse=direction == "descending")
    assert ascending["cells"][:2] == typeset[:2] and typeset[2] in ascending["cells"]


def test_the_index_and_a_report_on_a_laptop_and_a_phone(published_pages, tmp_path, shots):
    layouts = {}
    with chromium_session(tmp_path / "chromium-profile") as driver:
        for width in (LAPTOP, PHONE):
            driver.resize(width)
            driver.open(published_pages / "index.html")
            layouts["index", width] = driver.run(PAGE_LAYOUT)
            assert_not_blank(driver.screenshot(shots / f"index-{width}.png"))
            report = driver.open(published_pages / "01" / "report.html")
            layouts["report", width] = driver.run("return {page: document.scrollingElement.scrollWidth, "
                                                  "window: window.innerWidth}")
            assert_not_blank(driver.screenshot(shots / f"report-{width}.png"))
        back = driver.follow_link("\u2190 all reports")

    for (page, width), layout in layouts.items():
        assert layout["page"] <= layout["window"] == width, f"{page} scrolls sideways at {width} px: {layout}"
    laptop = layouts["index", LAPTOP]
    assert laptop["table"] <= laptop["box"], f"on a laptop the results table needs scrolling: {laptop}"
    assert report["images"] and all(image["alt"] for image in report["images"])
    assert back == (published_pages / "index.html").as_posix()
