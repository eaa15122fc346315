"""Figures drawn from computed results (matplotlib, no global pyplot state): PNG/SVG bytes."""

__all__: list[str] = []  # a namespace of concept modules: import them by name
