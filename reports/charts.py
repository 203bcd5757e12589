"""Chart geometry for server-rendered SVG (templates/reports/_bar_chart.html).

Charts are drawn by templates from these numbers: no JavaScript, no inline style (colours are CSS
classes in static/css/safeguard.css). Every chart has a title and a description for screen readers
and sits beside a table that gives the same figures in words and numbers.
"""

from dataclasses import dataclass

LABEL_WIDTH = 180
BAR_AREA = 360
VALUE_WIDTH = 60
ROW_HEIGHT = 32
BAR_HEIGHT = 20
AXIS_GAP = 8


@dataclass(frozen=True)
class Segment:
    label: str
    value: int
    css: str
    x: float
    width: float


@dataclass(frozen=True)
class ChartRow:
    label: str
    total: int
    segments: tuple[Segment, ...]
    y: float

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT / 2

    @property
    def value_x(self) -> float:
        return LABEL_WIDTH + AXIS_GAP + sum(segment.width for segment in self.segments) + 6


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart; each bar may be stacked from segments."""

    key: str
    title: str
    description: str
    rows: tuple[ChartRow, ...]
    legend: tuple[tuple[str, str], ...]
    width: int = LABEL_WIDTH + AXIS_GAP + BAR_AREA + VALUE_WIDTH
    label_x: int = LABEL_WIDTH
    axis_x: int = LABEL_WIDTH + AXIS_GAP
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return max(1, len(self.rows)) * ROW_HEIGHT + 8


def stacked_bar_chart(
    *,
    key: str,
    title: str,
    description: str,
    rows: list[tuple[str, list[tuple[str, int, str]]]],
) -> Chart:
    """Bars scaled to the largest total. `rows`: (label, [(segment label, value, CSS class)])."""
    largest = max((sum(value for _, value, _ in segments) for _, segments in rows), default=0)
    scale = BAR_AREA / largest if largest else 0
    chart_rows = []
    legend: dict[str, str] = {}
    for index, (label, segments) in enumerate(rows):
        x = float(LABEL_WIDTH + AXIS_GAP)
        drawn = []
        for segment_label, value, css in segments:
            legend.setdefault(segment_label, css)
            if value:
                drawn.append(Segment(segment_label, value, css, x, value * scale))
                x += value * scale
        chart_rows.append(
            ChartRow(
                label=label,
                total=sum(value for _, value, _ in segments),
                segments=tuple(drawn),
                y=index * ROW_HEIGHT + 4,
            )
        )
    return Chart(
        key=key,
        title=title,
        description=description,
        rows=tuple(chart_rows),
        legend=tuple(legend.items()) if any(len(segments) > 1 for _, segments in rows) else (),
    )


def bar_chart(*, key: str, title: str, description: str, bars: list[tuple[str, int, str]]) -> Chart:
    """One plain bar per item: (label, value, CSS class)."""
    return stacked_bar_chart(
        key=key,
        title=title,
        description=description,
        rows=[(label, [(label, value, css)]) for label, value, css in bars],
    )
