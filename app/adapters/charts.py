"""Charts as SVG, drawn on the server with matplotlib, readable in the dashboard's light and dark
themes: text, axes and grid are drawn in ``currentColor`` (the page's text colour), the series
in mid-tone colours that read on both backgrounds; the background is transparent."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any

# Mid-tone, colour-blind-friendly series colours (Okabe-Ito), legible on white and on #1e1e1e.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999", "#F0E442")
_INK = "#123456"  # drawn, then replaced by currentColor in the SVG text
_LOCK = threading.Lock()  # pyplot's state is global: one chart at a time per process
_SIZE = (7.2, 2.8)


def _theme() -> Any:  # matplotlib's rcParams keys are Literal-typed
    return {
        "svg.fonttype": "none",  # text stays text: the page's font and colour apply
        "font.size": 9,
        "text.color": _INK,
        "axes.labelcolor": _INK,
        "axes.edgecolor": _INK,
        "xtick.color": _INK,
        "ytick.color": _INK,
        "grid.color": _INK,
        "grid.alpha": 0.2,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.facecolor": "none",
        "axes.facecolor": "none",
        "savefig.transparent": True,
        "legend.frameon": False,
        "svg.hashsalt": "dropship",  # the same data draws the same SVG
    }


def _svg(figure: object, title: str) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")  # type: ignore[attr-defined]
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # no XML prolog or DOCTYPE inside an HTML page
    svg = re.sub(r"#123456", "currentColor", svg, flags=re.IGNORECASE)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{_attribute(title)}" ', 1)


def _attribute(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


class SvgCharts:
    """ChartRenderer with matplotlib's Agg/SVG backend (imported on first use)."""

    def bars(
        self, title: str, labels: Sequence[str], series: Mapping[str, Sequence[float]], y_label: str
    ) -> str:
        """Grouped bars: one group per label, one bar per series."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        with _LOCK, plt.rc_context(_theme()):
            figure, axes = plt.subplots(figsize=_SIZE)
            try:
                count = max(len(series), 1)
                width = 0.8 / count
                for index, (name, values) in enumerate(series.items()):
                    offsets = [x + (index - (count - 1) / 2) * width for x in range(len(labels))]
                    axes.bar(offsets, values, width, label=name, color=PALETTE[index % 8])
                axes.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
                axes.set_ylabel(y_label)
                axes.set_title(title, loc="left")
                if len(series) > 1:
                    axes.legend(loc="upper left", ncols=min(len(series), 4))
                return _svg(figure, title)
            finally:
                plt.close(figure)

    def lines(
        self,
        title: str,
        labels: Sequence[str],
        series: Mapping[str, Sequence[float | None]],
        y_label: str,
        percent: bool = False,
    ) -> str:
        """One line per series over the labels; a None is a gap (no data that month)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import PercentFormatter

        with _LOCK, plt.rc_context(_theme()):
            figure, axes = plt.subplots(figsize=_SIZE)
            try:
                for index, (name, values) in enumerate(series.items()):
                    points = [float("nan") if value is None else value for value in values]
                    axes.plot(
                        range(len(labels)),
                        points,
                        marker="o",
                        label=name,
                        color=PALETTE[index % 8],
                    )
                axes.set_xticks(range(len(labels)), labels)
                if percent:
                    axes.yaxis.set_major_formatter(PercentFormatter(1.0))
                    axes.set_ylim(0, 1.05)
                axes.set_ylabel(y_label)
                axes.set_title(title, loc="left")
                if series:
                    axes.legend(loc="lower left", ncols=min(len(series), 4))
                return _svg(figure, title)
            finally:
                plt.close(figure)
