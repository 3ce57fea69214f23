"""Readers of public data and their adapters.

The manifest and fetch pipeline, admin boundaries, places, roads (skeleton and OSM), the
curated layers, incident files.
"""
