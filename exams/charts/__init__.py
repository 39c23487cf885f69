"""Plotly figures: numbers in, ``plotly.graph_objects.Figure`` out."""
