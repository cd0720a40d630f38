"""The planner front-end (Streamlit): thin pages over the optimizer package's public API."""
