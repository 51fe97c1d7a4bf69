"""The digest chart: the period's funnel and the NPS trend, rendered headless (matplotlib Agg) as a PNG.

matplotlib is imported on the first chart, not at start-up."""

from __future__ import annotations

import base64
import io
import math
from typing import TYPE_CHECKING

from workflows.digest import FUNNEL, Digest, nps_score, signed
from workflows.effects import Image
from workflows.periods import Period

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BLUE, GREY, GREEN = "#2f6db5", "#b8c4d6", "#2e8b57"


def digest_chart(digest: Digest) -> Image:
    """A PNG with the funnel (this period against the previous one) and the NPS trend, with alt text."""
    buffer = io.BytesIO()
    draw(digest).savefig(buffer, format="png")
    return Image(png_base64=base64.b64encode(buffer.getvalue()).decode("ascii"), alt=alt_text(digest),
                 filename=f"advocacy-digest-{digest.period.key}.png")


def draw(digest: Digest) -> Figure:
    """The chart's figure: the funnel on the left, the NPS trend on the right."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - loaded on first chart
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    names = [name for _, name in FUNNEL]
    current = [getattr(digest.activity, attr) for attr, _ in FUNNEL]
    previous = [getattr(digest.previous_activity, attr) for attr, _ in FUNNEL]
    trend = list(zip(axis_labels([p for p, _ in digest.nps_trend]), (nps_score(n) for _, n in digest.nps_trend)))

    fig = Figure(figsize=(9, 3.4), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    funnel, nps = fig.subplots(1, 2, width_ratios=[1.25, 1])

    rows = range(len(names))
    funnel.barh([r + 0.2 for r in rows], previous, height=0.4, color=GREY, label=digest.previous.short)
    bars = funnel.barh([r - 0.2 for r in rows], current, height=0.4, color=BLUE, label=digest.period.short)
    funnel.bar_label(bars, labels=[f"{v:,}" for v in current], padding=3, fontsize=8)
    funnel.set_yticks(list(rows), names, fontsize=9)
    funnel.invert_yaxis()
    funnel.set_title(f"Funnel, {digest.period.label}", fontsize=10)
    funnel.legend(fontsize=8, frameon=False, loc="lower right")
    funnel.spines[["top", "right"]].set_visible(False)
    funnel.margins(x=0.15)
    funnel.set_xlim(0, max([*current, *previous, 1]) * 1.15)  # an empty funnel keeps a 0…1 axis
    funnel.xaxis.set_major_locator(MaxNLocator(integer=True))

    labels = [name for name, _ in trend]
    points = [(i, score) for i, (_, score) in enumerate(trend) if score is not None]
    if points:
        # NaN for a period without answers: the line stops there instead of bridging the gap
        nps.plot(range(len(trend)), [math.nan if score is None else score for _, score in trend], marker="o",
                 color=GREEN)
        for x, y in points:
            nps.annotate(signed(y), (x, y), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    else:
        nps.text(0.5, 0.5, "No NPS answers yet", ha="center", va="center", transform=nps.transAxes)
    nps.axhline(0, color=GREY, linewidth=0.8)
    nps.set_xticks(range(len(labels)), labels, fontsize=9)
    nps.set_ylim(-100, 100)
    nps.set_title("NPS", fontsize=10)
    nps.spines[["top", "right"]].set_visible(False)
    return fig


def axis_labels(periods: list[Period]) -> list[str]:
    """Short labels; where the series spans two years, the first label and each new year's carry the year."""
    if len({p.year for p in periods}) == 1:
        return [p.short for p in periods]
    return [f"{p.short.removesuffix(f' {p.year}')} {p.year}" if i == 0 or p.year != periods[i - 1].year else
            p.short.removesuffix(f" {p.year}") for i, p in enumerate(periods)]


def alt_text(digest: Digest) -> str:
    """What the chart shows, in words."""
    funnel = ", ".join(f"{name.lower()} {getattr(digest.activity, attr):,}" for attr, name in FUNNEL)
    trend = ", ".join(f"{p.short} {signed(nps_score(n))}" for p, n in digest.nps_trend)
    return (f"Bar chart of the advocacy funnel for {digest.period.label}: {funnel}; "
            f"line chart of NPS by period: {trend}.")
