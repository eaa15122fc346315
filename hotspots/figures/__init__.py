"""Figures drawn from computed results (matplotlib, no global pyplot state): PNG/SVG bytes."""
