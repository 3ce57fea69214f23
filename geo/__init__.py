"""Engine of the Mali access-constraint mapper.

Pure functions over GeoDataFrames and rasters: loading and validating the public
datasets, the curated access layers (hubs, encircled localities, road status), the
friction surface and the cost-distance model behind the reachable areas of each
HAWG hub. Never imports streamlit or folium.
"""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
