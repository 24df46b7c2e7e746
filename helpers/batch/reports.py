"""Reports of a batch run: each executed notebook as a self-contained HTML page, and an index.

:func:`render_report` turns an executed notebook into ``report.html`` with its images embedded as
``data:`` URIs and no script loaded from the network (the default nbconvert page fetches
require.js, MathJax and mermaid from a CDN; a report should open offline, from a zip or an e-mail).
:func:`build_index_html` is a pure function from a list of :class:`StudyResult` to the index page,
:func:`summary_table` the same for the terminal.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from helpers.batch.claims import answer_html, claims_csv, claims_page_html, claims_rows, verdict_summary
from helpers.batch.records import StudyResult
from helpers.batch.results import (SCROLL_BOX_CSS, difference_points, results_csv, results_rows, results_table_html,
                                   scroll_box)
from helpers.io import write_atomic
from helpers.studies.registry import registered_title
from helpers.statistics.uncertainty import RULE
from helpers.units import PERCENT_PER_UNIT

# The report's way back to its profile's index: reports live at <profile>/<study>/report.html.
BACK_LINK = '<a href="../index.html">\u2190 all reports</a>'

# lab's page without the three scripts it would load from a CDN (LaTeX then shows as typed), with a
# link back to the index above the first cell (publishing puts its provenance box above that, right
# after <body>), and each figure's description (ReportFigure's "alt" metadata, helpers.report_figures) as its
# image's alt text; nbconvert gives the others "No description has been provided for this image".
_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{% block html_head_js_requirejs %}{% endblock %}
{% block html_head_js_mathjax %}{% endblock %}
{% block html_head_js_mermaidjs %}{% endblock %}
{% block html_head_css %}<style>
nav.report-nav { font: 14px/1.4 system-ui, sans-serif; padding: 8px 12px; }
.jp-RenderedImage img { max-width: 100%; height: auto; }
</style>{% endblock html_head_css %}
{%- block body_header -%}{{ super() }}
<nav class="report-nav" aria-label="reports">""" + BACK_LINK + """</nav>
{%- endblock body_header -%}
{% block data_png scoped %}
{%- set alt = output | get_metadata('alt', 'image/png') -%}
{%- if alt -%}{{ super() | replace('<img ', '<img alt="' ~ (alt | escape_html) ~ '" ', 1) }}
{%- else -%}{{ super() }}{%- endif -%}
{% endblock data_png %}
"""


def format_percent(value: float | None, unit: str = "fraction", *, difference: bool = False) -> str:
    """A headline value shown in percent (or, for a ``difference`` of two accuracies, in signed
    percentage points), whatever unit it was recorded in."""
    if value is None:
        return "–"
    if difference:
        return format_points(float(value) * PERCENT_PER_UNIT[unit])
    return f"{float(value) * PERCENT_PER_UNIT[unit]:.2f}%"


def format_points(points: float | None) -> str:
    """A signed difference in percentage points."""
    return "–" if points is None else f"{points:+.2f} pts"


def format_seconds(seconds: float) -> str:
    """Wall time as ``42 s`` or ``3 min 05 s``."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def render_report(executed_notebook: str | os.PathLike, report_path: str | os.PathLike, *,
                  title: str, hide_code: bool = False, answer: str = "",
                  run_patterns: Sequence[str] | None = None) -> Path:
    """Render an executed notebook to a self-contained HTML page (atomic write), with a link back to
    the index (:data:`BACK_LINK`) and each figure's recorded description as its image's alt text.
    ``answer`` (the study's computed answer, markdown, from its ``metrics.json``) is shown under the
    title, so that a reader meets it before the set-up cells, saying so when the study ran in part
    (``run_patterns``); the executed notebook is unchanged."""
    import jinja2  # nbconvert is slow to import; only the batch runner needs it
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(extra_loaders=[jinja2.DictLoader({"offline.html.j2": _OFFLINE_TEMPLATE})],
                            template_file="offline.html.j2", embed_images=True, exclude_input=hide_code)
    notebook = nbformat.read(os.fspath(executed_notebook), as_version=4)
    if answer.strip():
        title_cell = next((index for index, cell in enumerate(notebook.cells) if cell.cell_type == "markdown"), -1)
        notebook.cells.insert(title_cell + 1, nbformat.v4.new_markdown_cell(answer_first_markdown(answer, run_patterns)))
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    return write_atomic(report_path, lambda temporary: temporary.write_text(body, encoding="utf-8"))


def answer_first_markdown(answer: str, run_patterns: Sequence[str] | None = None) -> str:
    """The block a report opens with: the study's computed answer, quoted, whether the study ran in
    part, and where the answer comes from."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in answer.strip().splitlines())
    in_part = (f"**Run in part**: only the runs matching `{', '.join(run_patterns)}` trained; the rest are "
               "'not run' below. " if run_patterns else "")
    return (f"{quoted}\n>\n> {in_part}*Computed from this run's numbers by the notebook below: the claims one by "
            "one and the evidence follow its [Answer](#Answer) cell.*")


def write_profile_pages(folder: Path, results: Sequence[StudyResult], *, profile: str, date: str,
                        device: str) -> None:
    """A profile folder's pages across studies, from their records: ``index.html``, ``results.csv``
    (every headline), ``claims.csv`` and ``claims.html`` (every claim, :mod:`helpers.batch.claims`)."""
    texts = {"index.html": build_index_html(results, profile=profile, date=date, device=device),
             "results.csv": results_csv(results_rows(results)),
             "claims.csv": claims_csv(claims_rows(results)),
             "claims.html": claims_page_html(results, profile=profile, date=date)}
    for name, text in texts.items():
        write_atomic(Path(folder) / name, lambda temporary, text=text: temporary.write_text(text, encoding="utf-8"))


def summary_table(results: Sequence[StudyResult]) -> str:
    """A plain-text table of the batch: study, status, wall time, report."""
    rows = [("study", "status", "seconds", "report")]
    rows += [(result.study, result.status + (" (unchanged, not rerun)" if result.reused else ""),
              f"{result.wall_seconds:.0f}", result.report or "-") for result in results]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3]
                     for row in rows)


def build_index_html(results: Sequence[StudyResult], *, profile: str, date: str, device: str) -> str:
    """The batch run's index page: one card per study, linking its report. Inline CSS only."""
    failed = sum(result.status != "ok" for result in results)
    used = sorted({name for result in results for name in result.devices})
    device_text = f"{device} (used: {', '.join(used)})" if used else device
    summary = f"{len(results) - failed} ok, {failed} failed" if failed else f"all {len(results)} ok"
    cards = "\n".join(_study_card(result) for result in results) or "<p>No study was run.</p>"
    e = html.escape
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ResNet studies: {e(profile)} profile</title>
<style>{_CSS}</style>
</head>
<body>
<h1>ResNet studies: reports</h1>
<p class="meta">Profile <code>{e(profile)}</code> &middot; {e(date)} &middot; device {e(device_text)}
&middot; <span class="{'bad' if failed else 'good'}">{e(summary)}</span></p>
{_total_time(results)}
{_profile_note(profile)}
<p class="meta"><b>Claims, paper by paper</b>: <a href="claims.html">claims.html</a> (also
<code>claims.csv</code>): every claim of every paper with the paper's evidence, this run's with its
uncertainty and seeds, the verdict and what would decide it{_claims_count(results)}.</p>
<p class="meta">Every number this run reports carries its uncertainty: with one seed, the binomial
standard error of the test set (n images); with several seeds, the standard deviation over seeds. The
claims compare two models on the same test images (paired, where the runs stored their predictions).
Verdicts follow one rule: {e(RULE)}; none is drawn from an unstable run or from two recipes.</p>
{results_table_html(results_rows(results))}
{cards}
</body>
</html>
"""


def total_runs_seconds(results: Sequence[StudyResult]) -> float:
    """The time the studies' runs took together (training and evaluation, each study's runs summed;
    an attempt's own wall time where its runs recorded none)."""
    return sum(result.runs_seconds if result.runs_seconds is not None else result.wall_seconds for result in results)


def _total_time(results: Sequence[StudyResult]) -> str:
    if not results:
        return ""
    seconds = total_runs_seconds(results)
    hours = f" ({seconds / 3600:.1f} h)" if seconds >= 3600 else ""
    return (f'<p class="meta"><b>Time of every run together: {html.escape(format_seconds(seconds))}{hours}</b> '
            "(wall time of training and evaluation, summed over the studies' runs; each report's pins give the "
            f"machine and the threads of its runs).{_cpu_time(results)}</p>")


def _cpu_time(results: Sequence[StudyResult]) -> str:
    """The CPU time of the studies' runs on a CPU, in core-hours, said to be a lower bound where runs
    recorded no thread count; '' when none trained on a CPU."""
    timed = [result for result in results if result.runs_core_seconds is not None]
    if not timed:
        return ""
    hours = sum(result.runs_core_seconds for result in timed) / 3600
    unknown = sum(result.runs_without_threads for result in timed)
    bound = (f"at least {hours:.1f} core-hours: {unknown} run{'s' if unknown != 1 else ''} recorded no thread count "
             "and count as one thread" if unknown else f"{hours:.1f} core-hours")
    return (f" <b>CPU time of the runs on a CPU: {bound}</b> (each run's wall time x its threads x its processes, "
            "summed).")


def _claims_count(results: Sequence[StudyResult]) -> str:
    rows = [row for result in results for row in result.claims]
    return f" ({len(rows)} claims: {html.escape(verdict_summary(rows))})" if rows else ""


def _profile_note(profile: str) -> str:
    if profile != "smoke":
        return ""
    return ('<p class="note">The <code>smoke</code> profile checks that every study runs end to end on the '
            "embedded samples (a few hundred to two thousand images per dataset) for one to three epochs: its "
            "numbers are not the paper's setting.</p>")


def _time_text(result: StudyResult) -> str:
    """The attempt's wall time, and the runs' own when the attempt reused finished runs (a
    re-render takes seconds; the runs it shows took hours)."""
    attempt = format_seconds(result.wall_seconds)
    if result.runs_seconds is not None and result.runs_seconds > result.wall_seconds:  # runs are inside an attempt
        return (f"time of its runs {format_seconds(result.runs_seconds)} (this attempt {attempt}: it reused runs "
                "finished earlier)")
    return f"wall time {attempt}"


def _study_card(result: StudyResult) -> str:
    e = html.escape
    name = f"{result.study} · {result.title or registered_title(result.study, result.notebook) or result.notebook}"
    heading = f'<a href="{e(result.report)}">{e(name)}</a>' if result.report else e(name)
    status = f'<span class="status {e(result.status)}">{e(result.status)}</span>'
    finished = f" &middot; finished {e(result.finished)}" if result.finished else ""
    parts = [f'<section class="card"><h2>{heading} {status}</h2>',
             f'<p class="meta">{_time_text(result)}{finished}{_file_links(result)}</p>']
    if result.status != "ok":
        where = f" in cell {result.error_cell}" if result.error_cell is not None else ""
        parts.append(f'<p class="error"><b>{e(result.error_name or "error")}</b>{e(where)}: '
                     f"{e(result.error_message or '')}</p>")
    if result.run_patterns:
        parts.append(f'<div class="note"><b>Run in part</b>: only the runs matching <code>runs = '
                     f"{e(repr(result.run_patterns))}</code> trained; the report marks the others 'not run'.</div>")
    if result.reduced_data:
        notes = "".join(f"<li>{e(note)}</li>" for note in result.data_notes)
        warning = ("Reduced or synthetic data: these numbers are not comparable with the paper's."
                   if result.profile in (None, "smoke") else
                   "Less data than the paper used (see the notes): compare with the paper's numbers with that in mind.")
        parts.append(f'<div class="note"><b>{warning}</b>{f"<ul>{notes}</ul>" if notes else ""}</div>')
    if result.answer:
        parts.append(f'<div class="answer">{answer_html(result.answer)}</div>')
    if result.claims:
        parts.append(f'<p class="meta">Claims: {e(verdict_summary(result.claims))} '
                     f'(<a href="claims.html">ledger</a>)</p>')
    if result.headline:
        parts.append(_headline_table(result.headline, label=f"{result.study} headline numbers"))
    elif result.status == "ok":
        parts.append('<p class="meta">No headline numbers recorded (no metrics.json from this run).</p>')
    parts.append("</section>")
    return "\n".join(parts)


def _file_links(result: StudyResult) -> str:
    links = [(result.executed_notebook, result.notebook), (result.log, "log")]
    return "".join(f' &middot; <a href="{html.escape(path)}">{html.escape(text)}</a>' for path, text in links if path)


def format_uncertainty(uncertainty: Mapping[str, Any] | None, unit: str = "fraction") -> str:
    """``'± 0.38 (binomial SE, n=10,000)'``, ``'± 1.10 (sd, 3 seeds)'`` or ``''`` without one."""
    if not uncertainty or uncertainty.get("value") is None:
        return ""
    value = float(uncertainty["value"]) * PERCENT_PER_UNIT[unit]
    kind, n = uncertainty.get("kind"), uncertainty.get("n")
    what = {"binomial_se": f"binomial SE, n={n:,}" if isinstance(n, int) else "binomial SE",
            "seed_sd": f"sd, {n} seeds", "difference_se": "SE of the difference"}.get(kind, str(kind))
    return f"± {value:.2f} ({what})"


def _headline_table(headline: Sequence[Mapping[str, Any]], *, label: str) -> str:
    e = html.escape
    rows = []
    for item in headline:
        unit = item.get("unit", "fraction")
        points = difference_points(item.get("paper"), item.get("this_run"), unit)
        gap = bool(item.get("difference"))
        spread = format_uncertainty(item.get("uncertainty"), unit)
        rows.append(f"<tr><td>{e(str(item.get('label', '')))}</td>"
                    f"<td>{format_percent(item.get('paper'), unit, difference=gap)}</td>"
                    f"<td>{format_percent(item.get('this_run'), unit, difference=gap)}"
                    f"{' <span class=unc>' + e(spread) + '</span>' if spread else ''}</td>"
                    f"<td>{format_points(points)}</td><td>{e(str(item.get('verdict') or ''))}</td></tr>")
    names = ("headline", "paper", "this run (uncertainty)", "difference", "verdict")
    head = "".join(f"<th>{name}</th>" for name in names)
    return scroll_box(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>", label=label)


_CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 75em;
       padding: 0 1em; color: #1f2328; background: #fff; overflow-wrap: break-word; }
p, .note, .error { max-width: 60em; }  /* lines of prose stay readable; tables may use the page's width */
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { font-size: 1.15em; margin: 0 0 .3em; }
a { color: #0b5cad; }
code { background: #f2f2f2; padding: 0 .25em; border-radius: 3px; }
.meta { color: #555; margin: .2em 0 .6em; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: .8em 1em; margin: 1em 0; }
.status { font-size: .8em; padding: .1em .5em; border-radius: 1em; vertical-align: middle; color: #fff; }
.status.ok { background: #1a7f37; } .status.failed { background: #cf222e; }
.good { color: #1a7f37; font-weight: 600; } .bad { color: #cf222e; font-weight: 600; }
.error { background: #ffebe9; border: 1px solid #ff8182; padding: .4em .7em; border-radius: 4px;
         white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: .9em; }
.note { background: #fff3cd; border: 1px solid #d6b656; padding: .4em .7em; border-radius: 4px; }
.note ul { margin: .3em 0 0; }
table { border-collapse: collapse; margin-top: .5em; }
th, td { border-bottom: 1px solid #d0d7de; padding: .25em .6em; text-align: right; }
th:first-child, td:first-child, .card :is(th, td):last-child { text-align: left; }  /* words: headline, verdict */
th button { font: inherit; font-weight: 600; color: inherit; background: none; border: 0; padding: .1em 0;
            cursor: pointer; text-align: inherit; }
th button:hover { text-decoration: underline; }
th button:focus-visible { outline: 2px solid #0b5cad; outline-offset: 2px; }
th[aria-sort=ascending] button::after { content: " \\25B2"; }
th[aria-sort=descending] button::after { content: " \\25BC"; }
.table-scroll:focus-visible { outline: 2px solid #0b5cad; }
#results :is(td, th):is(:nth-child(2), :nth-child(7), :nth-child(9)) { text-align: left; }  /* words */
#results td:nth-child(2) { min-width: 10em; } #results td:nth-child(7), .card td:last-child { min-width: 11em; }
.unc { color: #57606a; font-size: 85%; white-space: nowrap; }
@media (max-width: 40em) { body { margin: 1em auto; padding: 0 .6em; } .card { padding: .6em .7em; }
                           th, td { padding: .25em .5em; } }
""" + SCROLL_BOX_CSS
