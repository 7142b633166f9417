"""Referrals: conversation-first intake and front-door decisions."""
