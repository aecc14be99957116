"""Colours shared by every figure."""

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def rgba(colour: str, alpha: float) -> str:
    """A '#rrggbb' colour with transparency, for bands and fills."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"
