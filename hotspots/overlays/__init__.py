"""Urbanism overlays on street segments: lighting (lamps, dark gaps), night-time, green areas."""
