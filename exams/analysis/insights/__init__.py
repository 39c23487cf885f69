"""The analysis views of the Insights tab (compare, distribution, forecast,
heatmap, Pareto, pending) and the builders that answer each one."""
