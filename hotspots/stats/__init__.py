"""Hot-spot statistics on segments and points: Gi*, local Moran, kernel density, optimized mode."""

__all__: list[str] = []  # a namespace of concept modules: import them by name
