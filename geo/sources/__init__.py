"""Readers of public data and their adapters: the manifest, fetch, admin boundaries, places, roads, curated layers, incident files."""
