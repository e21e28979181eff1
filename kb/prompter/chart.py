"""The prompter's weekly figures as an inline SVG line chart for the admin: coordinates
computed here, drawn by the template (numbers only, no HTML from data, no script)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 30
SERIES = [
    ("accept_at_1", _("accept@1"), "#3367d6"),
    ("accept_at_3", _("accept@3"), "#0b8043"),
    ("mrr", _("MRR"), "#e37400"),
    ("coverage", _("coverage"), "#8e24aa"),
]


def _x(i: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return round(LEFT + (span * i / (count - 1) if count > 1 else span / 2), 1)


def _y(value: float) -> float:
    return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - max(0.0, min(1.0, value))), 1)


def weekly_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What the template draws: each series' polyline points, the grid lines (0, 25,
    50, 75, 100 %) and a label under every other week."""
    count = len(rows)
    series = [
        {
            "label": label,
            "color": color,
            "points": " ".join(
                f"{_x(i, count)},{_y(float(row[key]))}" for i, row in enumerate(rows)
            ),
        }
        for key, label, color in SERIES
    ]
    grid = [{"y": _y(p / 100), "label": f"{p}%"} for p in (0, 25, 50, 75, 100)]
    step = max(1, count // 6)
    weeks = [
        {"x": _x(i, count), "label": row["week"][5:]}
        for i, row in enumerate(rows)
        if i % step == 0 or i == count - 1
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "axis_y": HEIGHT - BOTTOM + 16,
        "series": series,
        "grid": grid,
        "weeks": weeks,
        "rows": rows,
    }
