"""Streamlit pages (UI only); routed by app.py with st.navigation."""
