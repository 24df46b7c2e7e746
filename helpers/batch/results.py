"""Every study's headlines in one table: ``results.csv`` and the sortable table at the top of the
index (study, headline, the paper's value, this run's with its uncertainty, the difference in
points, the verdict, seeds, profile and data notes)."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping, Sequence
from typing import Any

from helpers.batch.records import StudyResult
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
    the difference in points, the seeds, the runs (``all``, or the patterns of a study run in
    part), the profile and the data notes (``results.csv``)."""
    rows = []
    for result in results:
        for item in result.headline:
            unit = item.get("unit", "fraction")
            scale = PERCENT_PER_UNIT.get(unit, 1.0)
            uncertainty = item.get("uncertainty") or {}
            rows.append({
                "study": result.study, "headline": item.get("label"),
                "paper (%)": None if item.get("paper") is None else round(float(item["paper"]) * scale, 4),
                "this run (%)": None if item.get("this_run") is None else round(float(item["this_run"]) * scale, 4),
                "uncertainty (points)": (None if uncertainty.get("value") is None
                                         else round(float(uncertainty["value"]) * scale, 4)),
                "uncertainty kind": (f"{uncertainty.get('kind')} (n={uncertainty.get('n')})" if uncertainty else None),
                "difference (points)": _rounded(difference_points(item.get("paper"), item.get("this_run"), unit)),
                "verdict": item.get("verdict"), "seeds": " ".join(map(str, result.seeds)),
                "runs": " ".join(result.run_patterns) if result.run_patterns else "all",
                "profile": result.profile, "data notes": "; ".join(result.data_notes),
            })
    return rows


def results_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """``results.csv``'s text: :data:`RESULT_COLUMNS`, one row per headline (empty cells for none)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=RESULT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: ("" if row.get(key) is None else row[key]) for key in RESULT_COLUMNS} for row in rows)
    return buffer.getvalue()


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def results_table_html(rows: Sequence[Mapping[str, Any]]) -> str:
    """Every study's headlines in one table (the rows of ``results.csv``), sortable by any column
    with a click on its heading (a few lines of inline script; the page still works offline)."""
    if not rows:
        return ""
    e = html.escape
    shown = ("study", "headline", "paper (%)", "this run (%)", "uncertainty (points)", "difference (points)",
             "verdict", "seeds", "runs")
    head = "".join(f'<th onclick="sortResults({index})">{e(name)}</th>' for index, name in enumerate(shown))
    body = "".join("<tr>" + "".join(f"<td>{e(_CELL_TEXT.get(name, _cell)(row.get(name)))}</td>" for name in shown)
                   + "</tr>" for row in rows)
    return (f'<h2>All results</h2><p class="meta">Also in <code>results.csv</code>; click a heading to sort.</p>'
            f'<table id="results"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
            f"<script>{_SORT_SCRIPT}</script>")


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
function sortResults(column) {
  const body = document.querySelector('#results tbody');
  const rows = Array.from(body.rows);
  const key = row => { const text = row.cells[column].innerText; const number = parseFloat(text);
                       return isNaN(number) ? text : number; };
  const ascending = body.dataset.column != column || body.dataset.order != 'asc';
  rows.sort((a, b) => { const x = key(a), y = key(b); const order = x < y ? -1 : x > y ? 1 : 0;
                        return ascending ? order : -order; });
  rows.forEach(row => body.appendChild(row));
  body.dataset.column = column; body.dataset.order = ascending ? 'asc' : 'desc';
}
"""
