"""Goals: family goals, 0-10 scoring, reviews and closure."""
