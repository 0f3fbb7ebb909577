"""Reading order: the text segments an OCR engine finds on a page, put back into lines.

A form prints a label at the left and its value in a column at the right ("Wages, tips,
other compensation ........ 65,028.08"). The engine returns them as separate segments,
and on a photo the value's box sits a few pixels higher or lower than the label's:
the page is not perfectly straight after preparation (a residual skew of 0.3° moves the
right column by 8 px on a 1,500 px page), and a perspective photo tilts each row its own
way. Lines are therefore formed by *vertical overlap* of the segments once the page's
slope is levelled out, not by the distance between their tops: two segments are on one
line when, levelled, each covers most of the other's height. Compared with the tops'
distance this keeps a value on its label's line on skewed pages, and never merges two
lines of small type whose boxes merely touch.

Plain data in, plain data out (no engine import): tests feed it boxes directly.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

# Two segments share a line when their levelled bands overlap by this share of the
# shorter one's height.
SAME_LINE_OVERLAP = 0.5
# A slope steeper than this (about 6°) is not a page's residual slope but a stray box.
MAX_SLOPE = 0.1
# Lines a new segment is compared with (the most recent, by levelled height): enough for
# a value printed a little below the next label's top.
RECENT_LINES = 3


@dataclass(frozen=True)
class Segment:
    """One read segment: its axis-aligned box, text and score, and its own tilt (dy/dx of
    its top and bottom edges, 0 for an engine that gives axis-aligned boxes) with the
    height of the text across that tilt."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    score: float
    slope: float = 0.0
    height: float | None = None

    @classmethod
    def from_quad(cls, quad, text: str, score: float) -> Segment:
        """From a four-point box (top-left, top-right, bottom-right, bottom-left, as
        RapidOCR returns them)."""
        (tlx, tly), (trx, try_), (brx, bry), (blx, bly) = (tuple(map(float, p)) for p in quad)
        xs, ys = (tlx, trx, brx, blx), (tly, try_, bry, bly)
        top_run, bottom_run = trx - tlx, brx - blx
        slopes = [(try_ - tly) / top_run if top_run > 1 else 0.0,
                  (bry - bly) / bottom_run if bottom_run > 1 else 0.0]
        height = ((bly - tly) + (bry - try_)) / 2
        return cls(min(xs), min(ys), max(xs), max(ys), text, score,
                   sum(slopes) / 2, max(height, 1.0))

    @property
    def text_height(self) -> float:
        return self.height if self.height is not None else max(self.y1 - self.y0, 1.0)


def page_slope(segments: list[Segment]) -> float:
    """The page's residual slope: the median tilt of the wide segments (short ones, a
    digit or a box number, have no reliable direction)."""
    wide = [s.slope for s in segments if s.x1 - s.x0 >= 3 * s.text_height
            and abs(s.slope) <= MAX_SLOPE]
    return statistics.median(wide) if wide else 0.0


def _band(segment: Segment, slope: float) -> tuple[float, float]:
    """The segment's vertical extent with the page's slope levelled out (measured at its
    centre, so a tilted box counts with its text height, not its bounding box's)."""
    centre_x = (segment.x0 + segment.x1) / 2
    centre_y = (segment.y0 + segment.y1) / 2 - slope * centre_x
    half = segment.text_height / 2
    return centre_y - half, centre_y + half


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return min(a[1], b[1]) - max(a[0], b[0])


def group_lines(segments: list[Segment]) -> list[list[Segment]]:
    """The segments in reading order: lines top to bottom, each left to right."""
    if not segments:
        return []
    slope = page_slope(segments)
    banded = sorted(((_band(s, slope), s) for s in segments),
                    key=lambda item: (item[0][0] + item[0][1]) / 2)
    lines: list[tuple[list[float], list[Segment]]] = []  # ([top, bottom], members)
    for band, segment in banded:
        height = band[1] - band[0]
        best, best_share = None, 0.0
        for line in lines[-RECENT_LINES:]:
            line_band, _ = line
            shorter = min(height, line_band[1] - line_band[0])
            share = _overlap(band, tuple(line_band)) / max(shorter, 1e-6)
            if share > best_share:
                best, best_share = line, share
        if best is not None and best_share >= SAME_LINE_OVERLAP:
            line_band, members = best
            members.append(segment)
            # The line's band is the mean of its members': one tall box does not widen it
            # into the next line.
            count = len(members)
            line_band[0] += (band[0] - line_band[0]) / count
            line_band[1] += (band[1] - line_band[1]) / count
        else:
            lines.append(([band[0], band[1]], [segment]))
    lines.sort(key=lambda line: line[0][0] + line[0][1])
    return [sorted(members, key=lambda s: s.x0) for _, members in lines]


def lines_text(segments: list[Segment]) -> tuple[str, float]:
    """(the page's text, one line per read line, and the mean segment score)."""
    if not segments:
        return "", 0.0
    text = "\n".join(" ".join(s.text for s in line) for line in group_lines(segments))
    return text, sum(s.score for s in segments) / len(segments)
