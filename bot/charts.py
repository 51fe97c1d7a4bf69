"""The digest chart: the period's funnel and the NPS trend, rendered headless (matplotlib Agg) as a PNG."""

from __future__ import annotations

import base64
import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from workflows.digest import FUNNEL, Digest, nps_score
from workflows.effects import Image

BLUE, GREY, GREEN = "#2f6db5", "#b8c4d6", "#2e8b57"


def digest_chart(digest: Digest) -> Image:
    """A PNG with the funnel (this period against the previous one) and the NPS trend, with alt text."""
    names = [name for _, name in FUNNEL]
    current = [getattr(digest.activity, attr) for attr, _ in FUNNEL]
    previous = [getattr(digest.previous_activity, attr) for attr, _ in FUNNEL]
    trend = [(p.short, nps_score(n)) for p, n in digest.nps_trend]

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
    funnel.xaxis.set_major_locator(MaxNLocator(integer=True))

    labels = [name for name, _ in trend]
    points = [(i, score) for i, (_, score) in enumerate(trend) if score is not None]
    if points:
        xs, ys = zip(*points)
        nps.plot(xs, ys, marker="o", color=GREEN)
        for x, y in points:
            nps.annotate(f"{y:+.0f}", (x, y), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    else:
        nps.text(0.5, 0.5, "No NPS answers yet", ha="center", va="center", transform=nps.transAxes)
    nps.axhline(0, color=GREY, linewidth=0.8)
    nps.set_xticks(range(len(labels)), labels, fontsize=9)
    nps.set_ylim(-100, 100)
    nps.set_title("NPS", fontsize=10)
    nps.spines[["top", "right"]].set_visible(False)

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return Image(png_base64=base64.b64encode(buffer.getvalue()).decode("ascii"), alt=alt_text(digest),
                 filename=f"advocacy-digest-{digest.period.key}.png")


def alt_text(digest: Digest) -> str:
    """What the chart shows, in words."""
    funnel = ", ".join(f"{name.lower()} {getattr(digest.activity, attr):,}" for attr, name in FUNNEL)
    trend = ", ".join(f"{p.short} {'no answers' if nps_score(n) is None else f'{nps_score(n):+.0f}'}"
                      for p, n in digest.nps_trend)
    return (f"Bar chart of the advocacy funnel for {digest.period.label}: {funnel}; "
            f"line chart of NPS by period: {trend}.")
