"""The batch's HTML pages as files: sortable headings a keyboard reaches, tables that scroll in their
own box, reports that link back to the index and describe their figures. How they look and behave
in a browser: tests/batch/test_browser.py."""

from __future__ import annotations

import base64
import io
import json
import re
from html.parser import HTMLParser

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from PIL import Image

from helpers.batch.claims import claims_page_html
from helpers.batch.publish import publish_study
from helpers.batch.records import StudyResult
from helpers.batch.reports import BACK_LINK, build_index_html, render_report
from helpers.batch.results import results_rows, results_table_html
from helpers.batch.state import RECORD_NAME

HEADLINE = [{"label": "ResNet-18 test top-1", "paper": 0.8294, "this_run": 0.80, "unit": "fraction",
             "uncertainty": {"value": 0.004, "kind": "binomial_se", "n": 10000}, "verdict": "below the paper"},
            {"label": "ResNet-18 minus ResNet-50", "paper": None, "this_run": 0.05, "unit": "fraction",
             "difference": True}]
CLAIM = {"claim": "ResNet-18 beats ResNet-50", "where": "Table 1", "paper": "82.94 vs 76.04",
         "this run": "80.0 vs 75.0", "verdict": "supported"}
RESULT = StudyResult(study="01", notebook="01.ipynb", status="ok", wall_seconds=1.0, headline=HEADLINE, seeds=[0, 1],
                     profile="cpu", report="01/report.html", claims=[CLAIM], answer="**Yes.**")


def png_base64() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "navy").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def image_alts(page: str) -> list[str | None]:
    """The alt text of every <img> of ``page``, as a browser reads it (None: no alt)."""
    alts: list[str | None] = []

    class Images(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "img":
                alts.append(dict(attrs).get("alt"))

    Images().feed(page)
    return alts


def test_results_headings_are_buttons_a_keyboard_reaches():
    page = results_table_html(results_rows([RESULT]))
    headings = re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", page)
    assert len(headings) == 9
    assert all(re.fullmatch(r'<button type="button" onclick="sortResults\(\d\)">[^<]+</button>', heading)
               for heading in headings), headings
    assert "aria-sort" in page  # the script says which column is sorted, and how, to a screen reader


def test_every_table_of_the_index_and_the_claims_page_scrolls_in_its_own_box():
    index = build_index_html([RESULT], profile="cpu", date="d", device="cpu")
    claims = claims_page_html([RESULT], profile="cpu", date="d")
    for page, tables in ((index, 2), (claims, 1)):
        boxed = re.findall(r'<div class="table-scroll" role="region" tabindex="0" aria-label="[^"]+"><table', page)
        assert page.count("<table") == len(boxed) == tables
        assert re.search(r"\.table-scroll\s*\{[^}]*overflow-x:\s*auto", page)


def test_a_report_links_back_to_the_index_and_gives_each_figure_its_description(tmp_path):
    image = png_base64()
    described = new_output("display_data", data={"image/png": image, "text/plain": "<Figure size 700x450>"},
                           metadata={"image/png": {"alt": 'Figure 1: loss against epoch ("paper" as circles)'}})
    plain = new_output("display_data", data={"image/png": image, "text/plain": "<Figure size 600x80>"})
    notebook = new_notebook(cells=[new_code_cell("display(figure)", outputs=[described, plain])])
    executed = tmp_path / "01.ipynb"
    nbformat.write(notebook, executed)
    page = render_report(executed, tmp_path / "cpu" / "01" / "report.html", title="Study 1").read_text()

    alts = image_alts(page)
    assert alts[0] == 'Figure 1: loss against epoch ("paper" as circles)'
    assert len(alts) == 2 and alts[1]  # nbconvert's own words where a figure recorded none
    assert page.count(BACK_LINK) == 1 and 'href="../index.html"' in BACK_LINK and "all reports" in BACK_LINK
    assert page.index("<main>") < page.index(BACK_LINK) < page.index('<div class="jp-Cell')  # above the first cell

    # Publishing adds its provenance box after <body>: the link stays, below it.
    source = tmp_path / "cpu" / "01"
    (source / "metrics.json").write_text(json.dumps({"study": "01", "profile": "cpu"}))
    (source / RECORD_NAME).write_text(json.dumps({"study": "01", "finished": "2026-12-02 17:00 UTC"}))
    published = publish_study(source, tmp_path / "reports" / "cpu" / "01", [], published="now")
    page = (published / "report.html").read_text()
    assert page.count(BACK_LINK) == 1 and page.index("Published report") < page.index(BACK_LINK)



def test_a_report_opens_with_its_answer_under_the_title(tmp_path):
    notebook = new_notebook(cells=[new_markdown_cell("# Study 1: ResNet-18 vs ResNet-50"),
                                   new_code_cell("profile = 'cpu'"), new_markdown_cell("## Answer"),
                                   new_code_cell("Markdown(answer)")])
    executed = tmp_path / "01.ipynb"
    nbformat.write(notebook, executed)
    answer = "**Answer.** ResNet-18 minus ResNet-50 +6.75 ± 0.42 points: supported.\n\n**Claims** (6): 2 supported."
    page = render_report(executed, tmp_path / "report.html", title="Study 1", answer=answer).read_text()
    text = re.sub(r"<[^>]+>", "", page)
    assert text.index("ResNet-18 vs ResNet-50") < text.index("+6.75 ± 0.42 points: supported") < text.index("profile")
    assert "<blockquote>" in page and '<a href="#Answer">Answer</a>' in page and 'id="Answer"' in page
    assert "(6): 2 supported" in text
    assert nbformat.read(executed, as_version=4).cells[1].source == "profile = 'cpu'"  # the notebook itself unchanged
    assert "Run in part" not in text
    in_part = render_report(executed, tmp_path / "part.html", title="Study 1", answer=answer,
                            run_patterns=["resnet18_*", "resnet50_cifar_seed0"]).read_text()
    assert "<strong>Run in part</strong>: only the runs matching <code>resnet18_*, resnet50_cifar_seed0</code>" in in_part
    bare = render_report(executed, tmp_path / "bare.html", title="Study 1").read_text()
    assert "<blockquote>" not in bare and "+6.75" not in bare
