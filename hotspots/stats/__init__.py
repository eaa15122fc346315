"""Hot-spot statistics on segments and points: Gi*, local Moran, kernel density, optimized mode."""
