"""Bar charts as inline SVG, written by hand: no script, no font or file from elsewhere,
readable on screen and on paper.

Values arrive exact; they become floats only for pixel geometry here, after every
verdict is decided. Every text in a chart is escaped with `textsafe.html_text`.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from ..core.textsafe import html_text

# Colour-blind-safe pairs (Okabe–Ito): achieved is blue, required is orange; years cycle.
ACHIEVED, REQUIRED = "#0072B2", "#E69F00"
YEAR_COLOURS = ("#0072B2", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")


@attrs.frozen
class Bar:
    value: float
    text: str  # the exact value as the report writes it
    colour: str


@attrs.frozen
class Row:
    label: str
    bars: tuple[Bar, ...]
    mark: str = ""  # e.g. ✗ for a group that misses its target


def _width(text: str) -> float:
    """Approximate text width in px at 12px: CJK characters are twice as wide."""
    return sum(12 if ord(c) > 0x2E80 else 6.6 for c in text)


def hbar_chart(title: str, rows: Sequence[Row], legend: Sequence[tuple[str, str]],
               css_class: str = "chart") -> str:
    """Horizontal bars, one row per label, one thin bar per series within a row."""
    series = max((len(r.bars) for r in rows), default=1)
    bar_h, gap = 12, 8
    label_w = max([_width(r.label + r.mark) for r in rows] + [40]) + 10
    plot_w = 360.0
    text_w = max([_width(b.text) for r in rows for b in r.bars] + [20]) * 1.2 + 12
    top = 22 + (18 if legend else 0)
    row_h = series * bar_h + gap
    height = top + row_h * len(rows) + 6
    width = label_w + plot_w + text_w
    top_value = max([b.value for r in rows for b in r.bars] + [0.0])
    scale = plot_w / top_value if top_value > 0 else 0.0
    out = [f'<svg class="{css_class}" role="img" xmlns="http://www.w3.org/2000/svg" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}">',
           f"<title>{html_text(title)}</title>",
           f'<text x="0" y="14" class="ct">{html_text(title)}</text>']
    x = 0.0
    for name, colour in legend:
        out.append(f'<rect x="{x:.0f}" y="24" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{x + 14:.0f}" y="33" class="cl">{html_text(name)}</text>')
        x += 24 + _width(name)
    for i, row in enumerate(rows):
        y0 = top + i * row_h
        out.append(f'<text x="{label_w - 6:.0f}" y="{y0 + series * bar_h / 2 + 4:.0f}" text-anchor="end" '
                   f'class="cl">{html_text(row.label)}{html_text(row.mark)}</text>')
        for k, bar in enumerate(row.bars):
            y = y0 + k * bar_h
            w = max(bar.value * scale, 0.0)
            out.append(f'<rect class="bar" x="{label_w:.0f}" y="{y:.0f}" width="{max(w, 1):.1f}" '
                       f'height="{bar_h - 2}" fill="{bar.colour}"/>'
                       f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 3:.0f}" class="cv">'
                       f"{html_text(bar.text)}</text>")
    out.append(f'<line x1="{label_w:.0f}" y1="{top - 2}" x2="{label_w:.0f}" y2="{height - 4:.0f}" '
               'stroke="#444" stroke-width="1"/>')
    out.append("</svg>")
    return "".join(out)
