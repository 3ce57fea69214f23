"""Streamlit page scripts (UI only), routed by app.py with st.navigation.

Named views/ rather than pages/ so Streamlit's legacy pages/ auto-discovery never runs them
behind the router's back.
"""
