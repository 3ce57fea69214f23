"""The access model.

Friction surface, cost-distance, polygonizer, reach, scenarios and their difference,
routes, catchments, zones, severity, changes between dates, incident analysis.
"""
