"""Audit: an append-only, hash-chained log of every state change and every read of personal data."""
