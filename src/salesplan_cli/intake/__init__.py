"""Intake: CRM exports in, canonical frames out, every dropped row accounted for."""
