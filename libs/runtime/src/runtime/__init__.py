"""Runtime plumbing shared by every service."""
