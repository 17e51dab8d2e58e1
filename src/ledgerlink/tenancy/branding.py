"""Colour contrast (WCAG 2.2) for an organisation's brand colour."""

from __future__ import annotations

WHITE = "#ffffff"
MIN_CONTRAST = 4.5  # WCAG AA for normal-size text: white button text on the brand colour.


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    la, lb = relative_luminance(a), relative_luminance(b)
    lighter, darker = max(la, lb), min(la, lb)
    return (lighter + 0.05) / (darker + 0.05)


def readable_on_white_text(hex_colour: str) -> bool:
    return contrast_ratio(hex_colour, WHITE) >= MIN_CONTRAST
