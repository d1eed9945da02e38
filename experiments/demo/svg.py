"""SVG drawings for the classroom page: the network and small line charts, as strings.

The page used to draw matplotlib PNGs on the server (~0.7 s per day per browser tab);
an SVG string of a few hundred shapes takes about a millisecond, and the browser draws it.
Everything here is a pure function of arrays, so it is tested without a page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

WIDTH, HEIGHT = 480, 300  # chart viewBox; the page scales it to the column width
MARGIN = dict(left=56, right=12, bottom=34)  # the top margin grows with the legend
FONT = 'font-family="sans-serif"'


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    y: Sequence[float]


def _svg(width: float, height: float, body: str, css_class: str) -> str:
    return (f'<svg class="{css_class}" viewBox="0 0 {width:g} {height:g}" width="100%" '
            f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">{body}</svg>')


def _nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 x 10^k at or above ``value`` (axis tops that read well)."""
    if value <= 1:
        return 1.0
    base = 10 ** np.floor(np.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * base >= value:
            return float(factor * base)
    return float(10 * base)  # pragma: no cover - the loop always returns


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:g}"


def line_chart(title: str, series: Sequence[Series], ylabel: str, days: int, xlabel: str = "day", *,
               stacked: bool = False, css_class: str = "") -> str:
    """Lines (or stacked areas) of per-day values against day 1..n, x axis to at least ``days``."""
    n = max((len(s.y) for s in series), default=0)
    values = [np.asarray(s.y, dtype=float) for s in series]
    tops = np.cumsum(values, axis=0) if stacked and n else values
    y_max = _nice_max(max((float(np.max(t)) for t in tops if len(t)), default=0.0))
    x_max = max(days, n, 1)
    left, right = MARGIN["left"], WIDTH - MARGIN["right"]
    top, bottom = 34 + 20 * len(series), HEIGHT - MARGIN["bottom"]

    def x(day):
        return left + (right - left) * np.asarray(day, dtype=float) / x_max

    def y(value):
        return bottom - (bottom - top) * np.asarray(value, dtype=float) / y_max

    parts = [f'<text x="4" y="20" font-size="18" font-weight="bold" {FONT}>{escape(title)}</text>']
    for frac in (0, 0.25, 0.5, 0.75, 1):  # grid and y labels
        yy = y(frac * y_max)
        parts.append(f'<line x1="{left}" x2="{right}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{yy + 5:.1f}" font-size="13" text-anchor="end" {FONT}>'
                     f'{_number(frac * y_max)}</text>')
    for day in np.linspace(0, x_max, 5):
        parts.append(f'<text x="{x(day):.1f}" y="{bottom + 18}" font-size="13" text-anchor="middle" {FONT}>'
                     f'{day:.0f}</text>')
    parts.append(f'<text x="{(left + right) / 2}" y="{HEIGHT - 2}" font-size="13" text-anchor="middle" {FONT}>'
                 f'{escape(xlabel)}</text>')
    parts.append(f'<text transform="translate(14 {(top + bottom) / 2}) rotate(-90)" font-size="13" '
                 f'text-anchor="middle" {FONT}>{escape(ylabel)}</text>')
    days_x = x(np.arange(1, n + 1))
    below = np.zeros(n)
    for s, value, upper in zip(series, values, tops):
        if not n:
            break
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(days_x, y(upper)))
        if stacked:
            base = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(days_x[::-1], y(below)[::-1]))
            parts.append(f'<polygon points="{points} {base}" fill="{s.colour}" fill-opacity="0.75" stroke="none"/>')
            below = upper
        else:
            parts.append(f'<polyline points="{points}" fill="none" stroke="{s.colour}" stroke-width="2.5"/>')
    for i, s in enumerate(series):  # legend, between the title and the plot
        ly = 42 + 20 * i
        last = _number(float(values[i][-1])) if n else "0"
        parts.append(f'<rect x="{left + 12}" y="{ly - 10}" width="14" height="10" fill="{s.colour}"/>')
        parts.append(f'<text x="{left + 32}" y="{ly}" font-size="15" {FONT}>{escape(s.label)}: {last}</text>')
    return _svg(WIDTH, HEIGHT, "".join(parts), css_class)


def network_edges(pos: np.ndarray, src: np.ndarray, dst: np.ndarray, size: float) -> str:
    """Every tie as one path (drawn once per community: ties do not move)."""
    p = _place(pos, size)
    d = "".join(f"M{p[a, 0]:.1f} {p[a, 1]:.1f}L{p[b, 0]:.1f} {p[b, 1]:.1f}" for a, b in zip(src, dst))
    return _svg(size, size, f'<path d="{d}" stroke="#9aa0a6" stroke-width="0.8" stroke-opacity="0.6" fill="none"/>',
                "commsim-edges")


def network_nodes(pos: np.ndarray, codes: np.ndarray, radius: np.ndarray, star: np.ndarray,
                  colours: Sequence[str], size: float) -> str:
    """People as circles (stars for ``star``), coloured ``colours[codes[i]]``; ``data-status`` carries the code."""
    p = _place(pos, size)
    parts = []
    for i in np.argsort(star, kind="stable"):  # stars on top
        cx, cy, r, colour = p[i, 0], p[i, 1], radius[i], colours[codes[i]]
        if star[i]:
            parts.append(f'<polygon data-status="{codes[i]}" points="{_star(cx, cy, 2.0 * r)}" fill="{colour}" '
                         f'stroke="black" stroke-width="1.2"/>')
        else:
            parts.append(f'<circle data-status="{codes[i]}" cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{colour}" '
                         f'stroke="white" stroke-width="0.8"/>')
    return _svg(size, size, "".join(parts), "commsim-nodes")


def _place(pos: np.ndarray, size: float) -> np.ndarray:
    """Positions scaled into a ``size`` x ``size`` box with a margin, y pointing up."""
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    span = max(float(np.max(hi - lo)), 1e-9)
    margin = 0.05 * size
    out = (pos - (lo + hi) / 2) / span * (size - 2 * margin) + size / 2
    out[:, 1] = size - out[:, 1]
    return out


def _star(cx: float, cy: float, r: float) -> str:
    angles = np.pi / 2 + np.arange(10) * np.pi / 5
    radii = np.where(np.arange(10) % 2 == 0, r, 0.45 * r)
    return " ".join(f"{cx + q * np.cos(a):.1f},{cy - q * np.sin(a):.1f}" for a, q in zip(angles, radii))
