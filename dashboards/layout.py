"""Grafana's 24-column grid: rows of panels packed left to right, wrapped, never overlapping."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

GRID_COLUMNS = 24
ROW_HEIGHT = 1


@dataclass(frozen=True)
class Box:
    """One gridPos: column, line, width and height in grid units."""

    x: int
    y: int
    w: int
    h: int

    def as_json(self) -> dict[str, int]:
        """Return Grafana's gridPos object."""
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h}


def check_size(width: int, height: int) -> None:
    """Reject a panel size that cannot sit on the grid."""
    if not 1 <= width <= GRID_COLUMNS:
        raise ValueError(f"panel width must be 1..{GRID_COLUMNS}, got {width}")
    if height < 1:
        raise ValueError(f"panel height must be positive, got {height}")


def place_rows(rows: Sequence[Sequence[tuple[int, int]]]) -> Iterator[tuple[Box, list[Box]]]:
    """Yield, per row of (width, height) sizes, the row header box and its panels' boxes.

    Panels fill a line left to right and wrap when the next one would pass column 24; the
    next line starts below the tallest panel of the line before, so no two boxes overlap.
    """
    y = 0
    for sizes in rows:
        header = Box(0, y, GRID_COLUMNS, ROW_HEIGHT)
        y += ROW_HEIGHT
        x, line_height, boxes = 0, 0, []
        for width, height in sizes:
            check_size(width, height)
            if x + width > GRID_COLUMNS:
                y, x, line_height = y + line_height, 0, 0
            boxes.append(Box(x, y, width, height))
            x += width
            line_height = max(line_height, height)
        y += line_height
        yield header, boxes
