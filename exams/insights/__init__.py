"""Analysis views beyond the bar chart (CONTRACT §4 "Analysis views").

One module per view, each a set of pure pandas functions over the prepared
frame (already filtered by the view): keyword-only arguments, JSON-ready
dicts out, no request, settings or files. ``charts`` turns those dicts into
Plotly figures and ``export`` into CSV rows.
"""
