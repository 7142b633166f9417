"""Outcomes: coding, scorecards, Best Council Plan dashboards and the BI stream."""
