"""Solution figures: pure functions of results (arrays, JSON) returning matplotlib Figures."""
