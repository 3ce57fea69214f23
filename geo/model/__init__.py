"""The access model: friction surface, cost-distance, polygonizer, reach, scenarios, difference, catchments, zones, incident analysis."""
