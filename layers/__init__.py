"""Folium map layers built from engine output (never imports streamlit).

Each module exposes ``build_<name>_layer(...) -> folium.FeatureGroup``; styles and
legend entries come from :mod:`layers.style`, the base map from :mod:`layers.basemap`.
"""
