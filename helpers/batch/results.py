"""Every study's headlines in one table: ``results.csv`` and the sortable table at the top of the
index (study, headline, the paper's value, this run's with its uncertainty, the difference in
points, the verdict, seeds, profile and data notes)."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

from helpers.batch.records import StudyResult
from helpers.studies.registry import study_datasets
from helpers.units import PERCENT_PER_UNIT


def difference_points(paper: float | None, this_run: float | None, unit: str = "fraction") -> float | None:
    """This run minus the paper, in percentage points; None when either value is missing."""
    if paper is None or this_run is None:
        return None
    return (float(this_run) - float(paper)) * PERCENT_PER_UNIT[unit]


RESULT_COLUMNS = ("study", "headline", "paper (%)", "this run (%)", "uncertainty (points)", "uncertainty kind",
                  "difference (points)", "verdict", "seeds", "runs", "profile", "data notes")


def results_rows(results: Sequence[StudyResult]) -> list[dict[str, Any]]:
    """One row per headline of every study: the paper's value, this run's with its uncertainty,
    the difference in points, the seeds it rests on (the study's, for a headline recorded without
    them), the runs (``all``, or the patterns of a study run in
    part), the profile and the data notes (``results.csv``): the headline's own ``data_notes``
    where it records them, else the study's notes about the datasets its label names."""
    rows = []
    for result in results:
        for item in result.headline:
            unit = item.get("unit", "fraction")
            scale = PERCENT_PER_UNIT.get(unit, 1.0)
            uncertainty = item.get("uncertainty") or {}
            rows.append({
                "study": result.study, "headline": item.get("label"),
                "paper (%)": None if item.get("paper") is None else float(item["paper"]) * scale,
                "this run (%)": None if item.get("this_run") is None else float(item["this_run"]) * scale,
                "uncertainty (points)": (None if uncertainty.get("value") is None
                                         else float(uncertainty["value"]) * scale),
                "uncertainty kind": (f"{uncertainty.get('kind')} (n={uncertainty.get('n')})" if uncertainty else None),
                # Unrounded here: rounded once, where shown (the index's two tables and results.csv).
                "difference (points)": difference_points(item.get("paper"), item.get("this_run"), unit),
                "verdict": item.get("verdict"), "seeds": " ".join(map(str, item.get("seeds", result.seeds))),
                "runs": " ".join(result.run_patterns) if result.run_patterns else "all",
                "profile": result.profile, "data notes": "; ".join(item["data_notes"] if isinstance(item.get("data_notes"), list)
                                                    else notes_for(str(item.get("label")), result.data_notes,
                                                                   study_datasets(result.study))),
            })
    return rows


def notes_for(label: str, notes: Sequence[str], datasets: Sequence[str] = ()) -> list[str]:
    """The data notes that concern a headline: where notes are tagged with their dataset
    (``[mnist] ...``, a study of several ``datasets``), those of the datasets its ``label`` names,
    and the untagged ones; every note when the label names no dataset."""
    def plain(text: str) -> str:
        return re.sub(r"[^a-z0-9]", "", text.lower())

    def tag(note: str) -> str | None:
        match = re.match(r"\[([^\]]+)\] ", note)
        return match.group(1) if match else None

    candidates = set(datasets) | {tag(note) for note in notes if tag(note)}
    named, rest = set(), plain(label)
    for dataset in sorted(candidates, key=lambda name: -len(plain(name))):  # fashion_mnist before mnist
        if plain(dataset) and plain(dataset) in rest:
            named.add(dataset)
            rest = rest.replace(plain(dataset), " ")
    if not named:
        return list(notes)
    return [note for note in notes if tag(note) is None or tag(note) in named]


def results_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """``results.csv``'s text: :data:`RESULT_COLUMNS`, one row per headline (empty cells for none)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=RESULT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: _csv_cell(row.get(key)) for key in RESULT_COLUMNS} for row in rows)
    return buffer.getvalue()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    return round(value, 4) if isinstance(value, float) else value


def results_table_html(rows: Sequence[Mapping[str, Any]]) -> str:
    """Every study's headlines in one table (the rows of ``results.csv``), sortable by any column:
    each heading is a button (a click, or Enter or Space once Tab reached it) and the sorted one
    carries ``aria-sort``; a few lines of inline script, so the page still works offline. The table
    scrolls in its own box (:func:`scroll_box`): a phone's page never scrolls sideways."""
    if not rows:
        return ""
    e = html.escape
    shown = ("study", "headline", "paper (%)", "this run (%)", "uncertainty (points)", "difference (points)",
             "verdict", "seeds", "runs")
    head = "".join(f'<th scope="col"><button type="button" onclick="sortResults({index})">{e(name)}</button></th>'
                   for index, name in enumerate(shown))
    body = "".join("<tr>" + "".join(f"<td>{_cell_html(name, row.get(name))}</td>" for name in shown)
                   + "</tr>" for row in rows)
    table = f'<table id="results"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    return (f'<h2>All results</h2><p class="meta">Also in <code>results.csv</code>; a heading sorts the table by '
            f"its column (again: the other way; a missing value, –, stays last).</p>"
            f"{scroll_box(table, label='All results')}<script>{_SORT_SCRIPT}</script>")


def scroll_box(table: str, *, label: str) -> str:
    """``table`` in a box that scrolls sideways by itself when the table is wider than the screen
    (CSS: :data:`SCROLL_BOX_CSS`); focusable, so a keyboard can scroll it too, and named by ``label``."""
    return f'<div class="table-scroll" role="region" tabindex="0" aria-label="{html.escape(label)}">{table}</div>'


SCROLL_BOX_CSS = ".table-scroll { overflow-x: auto; max-width: 100%; }"


def _cell_html(column: str, value: Any) -> str:
    text = html.escape(_CELL_TEXT.get(column, _cell)(value))
    # A run's name ("grid_lr0.05_momentum0.95_seed0") may break after an underscore: unbroken, the
    # runs column alone was 285 px wide and pushed the table past a laptop's page.
    return text.replace("_", "_<wbr>") if column == "runs" else text


def _seeds_cell(seeds: str | None) -> str:
    # results.csv holds the seed values ("0", "0 1 2"); a bare "0" on the page read as "no seeds".
    values = (seeds or "").split()
    if not values:
        return "–"
    text = f"{len(values)} (seed{'s' if len(values) > 1 else ''} {', '.join(values)})"
    return text.replace(" ", "\u00a0")  # one line in a narrow column


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


_CELL_TEXT = {"seeds": _seeds_cell}  # columns shown otherwise than by _cell


_SORT_SCRIPT = """
// A cell's sort key: [0, number] for a number (a minus written U+2212 or as an en dash too),
// [1, text] for words, [2] for a missing value ('–', 'n/a', empty), which stays last either way.
function sortKey(text) {
  const plain = text.replace(/\\s+/g, ' ').trim();
  if (plain === '' || plain === '\\u2013' || plain === '\\u2014' || plain === '-' || plain === 'n/a') return [2, 0];
  const number = parseFloat(plain.replace(/^[\\u2212\\u2013\\u2012\\u2010]\\s*(?=[\\d.])/, '-'));
  return isNaN(number) ? [1, plain.toLowerCase()] : [0, number];
}
function sortResults(column) {
  const table = document.getElementById('results');
  const body = table.tBodies[0];
  const ascending = body.dataset.column != column || body.dataset.order != 'asc';
  const keyed = Array.from(body.rows, row => [sortKey(row.cells[column].textContent), row]);
  keyed.sort(([x], [y]) => {
    if (x[0] != y[0]) return x[0] - y[0];  // numbers, then words, then missing values, whichever the direction
    const order = x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
    return ascending ? order : -order;
  });
  keyed.forEach(([, row]) => body.appendChild(row));
  body.dataset.column = column; body.dataset.order = ascending ? 'asc' : 'desc';
  Array.from(table.tHead.rows[0].cells).forEach((cell, index) => {
    if (index == column) cell.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    else cell.removeAttribute('aria-sort');
  });
}
"""
