"""Contracts shared by every service: the event envelope, typed event payloads and reference data."""
