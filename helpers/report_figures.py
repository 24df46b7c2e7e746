"""A figure as a report shows it: a :class:`ReportFigure` renders itself as PNG in Jupyter and
says in words what it shows (its image's alt text); :func:`new_figure` makes one without pyplot
(so nothing keeps it alive and it works headless) and without touching the global rcParams;
:func:`save_figure` writes one atomically. :mod:`helpers.plots` builds every figure on them.
"""

from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

LEGEND_ENTRIES_DESCRIBED = 8  # a description lists this many legend entries, then counts the rest


class ReportFigure(Figure):
    """A Figure that renders itself as PNG in Jupyter without pyplot or ``%matplotlib inline``, and
    says in words what it shows (:func:`describe_figure`) as the ``alt`` metadata of its PNG: an
    HTML report (:func:`helpers.batch.reports.render_report`) makes it the image's alt text."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> tuple[dict, dict]:
        # Metadata only: the PNG itself comes from `_repr_png_` or from the PNG printer that
        # `%matplotlib inline` registers for every Figure; IPython keeps this metadata beside it.
        # Built when the figure is shown, so a title set after the figure was made is included.
        return {}, {"image/png": {"alt": describe_figure(self)}}


def describe_figure(figure: Figure) -> str:
    """``figure`` in words, for the alt text of its image: its title (the suptitle, else the axes'
    titles), then what each labelled axes plots, ``'<y label> against <x label>'``, with its legend
    entries; the figure's own text where it has neither (a 'not run' placeholder); else 'figure'."""
    suptitle = figure.get_suptitle()
    titles = [suptitle] if suptitle else [axes.get_title() for axes in figure.axes if axes.get_title()]
    plotted = []
    for axes in figure.axes:
        if not (axes.get_xlabel() and axes.get_ylabel()):  # a colour bar, an inset
            continue
        legend = axes.get_legend()
        entries = [text.get_text() for text in legend.get_texts()] if legend else []
        if len(entries) > LEGEND_ENTRIES_DESCRIBED:
            entries = [*entries[:LEGEND_ENTRIES_DESCRIBED], f"{len(entries) - LEGEND_ENTRIES_DESCRIBED} more"]
        listed = f" ({', '.join(entries)})" if entries else ""
        plotted.append(f"{axes.get_ylabel()} against {axes.get_xlabel()}{listed}")
    title, content = "; ".join(titles), "; ".join(plotted)
    if title and content:
        return f"{title}: {content}"
    return title or content or "; ".join(text.get_text() for text in figure.texts if text.get_text()) or "figure"


def new_figure(figsize: tuple[float, float], style: str = "whitegrid") -> tuple[Figure, Axes]:
    """A figure with one axes, styled by seaborn without touching the global rcParams."""
    with sns.axes_style(style):
        figure = ReportFigure(figsize=figsize, layout="constrained")
        # An Agg canvas from the start: without one, every text-extent query (seaborn checks
        # each tick label) builds a full-size renderer, 3.4 GB for a 100-class heatmap.
        FigureCanvasAgg(figure)
        axes = figure.subplots()
    return figure, axes


def save_figure(fig: Figure, path: str | os.PathLike, *, dpi: int = 120) -> Path:
    """Write ``fig`` to ``path`` atomically (format from the suffix, else PNG); return the path.

    The image is first written to a temporary file in the same directory and then renamed over
    the target, so a reader never sees a half-written file. Parent directories are created.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image_format = path.suffix[1:].lower() or "png"
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    # os.open with mode 0o666 honours the umask (mkstemp would leave the image private, 0o600)
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as file:
            fig.savefig(file, format=image_format, dpi=dpi, bbox_inches="tight")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
