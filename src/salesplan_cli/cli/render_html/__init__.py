"""Reports as one self-contained HTML file: inline CSS and SVG charts, each chart with its figures as a table.

Hand-written SVG (no chart library): small, exact, deterministic, nothing to import for the other formats."""

from .page import to_html

__all__ = ["to_html"]
