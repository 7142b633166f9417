"""Reference data shared by every service: versioned tables, not constants in code."""
