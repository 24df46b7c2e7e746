"""Every study's claims ledger in one place: ``claims.csv`` and ``claims.html`` beside the index.

Each study's ``metrics.json`` carries its answer and its ledger, one row per claim of its paper
(:mod:`helpers.studies.common.claims`: claim, where, the paper's evidence, this run's with its
uncertainty and seeds, an outside reference, the verdict, what would decide it). These pure
functions gather them across studies.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from helpers.batch.records import StudyResult
from helpers.batch.results import SCROLL_BOX_CSS, scroll_box
from helpers.studies.ledger import CONTRADICTED, LEDGER_COLUMNS, SUPPORTED

CLAIM_COLUMNS = ("study", "profile", *LEDGER_COLUMNS, "data notes")
VERDICT_COLOURS = {SUPPORTED: "#d1e7dd", CONTRADICTED: "#f8d7da"}  # the rest: not decided, shown plain


def claims_rows(results: Sequence[StudyResult]) -> list[dict[str, Any]]:
    """One row per claim of every study that recorded a ledger, with its study, profile and data notes."""
    return [{"study": result.study, "profile": result.profile, **{key: row.get(key) for key in LEDGER_COLUMNS},
             "data notes": "; ".join(result.data_notes)}
            for result in results for row in result.claims]


def claims_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """``claims.csv``'s text: :data:`CLAIM_COLUMNS`, one row per claim."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CLAIM_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: "" if row.get(key) is None else row[key] for key in CLAIM_COLUMNS} for row in rows)
    return buffer.getvalue()


def answer_html(answer: str) -> str:
    """A study's answer (markdown: paragraphs and **bold**) as HTML, escaped."""
    paragraphs = [html.escape(part.strip()) for part in answer.split("\n\n") if part.strip()]
    return "".join("<p>" + re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", part) + "</p>" for part in paragraphs)


def verdict_summary(rows: Sequence[Mapping[str, Any]]) -> str:
    """'3 supported, 1 contradicted, 5 not decided at this budget' (most frequent first)."""
    counts = Counter(str(row.get("verdict")) for row in rows)
    return ", ".join(f"{count} {verdict}" for verdict, count in counts.most_common()) or "no claims recorded"


def claims_page_html(results: Sequence[StudyResult], *, profile: str, date: str) -> str:
    """The claims page: per study its answer, then its ledger as a table (verdicts coloured:
    supported green, contradicted red, not decided plain), each in a box that scrolls sideways by
    itself on a narrow screen. Inline CSS, no script."""
    e = html.escape
    sections = []
    for result in results:
        if not result.claims:
            continue
        rows = "".join(
            f'<tr style="background:{VERDICT_COLOURS.get(str(row.get("verdict")), "transparent")}">'
            + "".join(f"<td>{e(str(row.get(key) if row.get(key) is not None else '–'))}</td>" for key in LEDGER_COLUMNS)
            + "</tr>" for row in result.claims)
        head = "".join(f"<th>{e(key)}</th>" for key in LEDGER_COLUMNS)
        report = f' &middot; <a href="{e(result.report)}">report</a>' if result.report else ""
        reduced = ('<p class="note">Reduced or stand-in data: ' + e("; ".join(result.data_notes)) + "</p>"
                   if result.reduced_data else "")
        sections.append(f"<h2>{e(result.study)} {e(result.title or '')}</h2>"
                        f'<p class="meta">{e(verdict_summary(result.claims))}{report}</p>{reduced}'
                        f"{answer_html(result.answer)}"
                        + scroll_box(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>",
                                     label=f"{result.study} claims"))
    body = "\n".join(sections) or "<p>No study recorded a claims ledger.</p>"
    every = [row for result in results for row in result.claims]
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ResNet studies: claims ({e(profile)} profile)</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:110em;overflow-wrap:break-word}}
table{{border-collapse:collapse;font-size:.9em}}{SCROLL_BOX_CSS}
@media (max-width:40em){{body{{margin:1em .6em}}}}
td,th{{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}}.meta{{color:#555}}
.note{{background:#fff3cd;padding:6px 10px}}</style></head>
<body>
<h1>Claims, paper by paper</h1>
<p class="meta">Profile <code>{e(profile)}</code> &middot; {e(date)} &middot; {len(every)} claims: {e(verdict_summary(every))}
&middot; <a href="index.html">index</a> &middot; also in <code>claims.csv</code></p>
<p class="meta">A verdict is given only when a difference exceeds twice its combined uncertainty (paired over
the test images, seed spread, the paper's own sampling error), both runs trained stably and alike, and the
model behind not gaining on the other by more than the gap in its last epoch; otherwise the claim is "not decided".</p>
{body}
</body>
</html>
"""
