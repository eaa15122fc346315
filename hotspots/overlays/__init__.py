"""Urbanism overlays on street segments: lighting (lamps, dark gaps), night-time, green areas."""

__all__: list[str] = []  # a namespace of concept modules: import them by name
