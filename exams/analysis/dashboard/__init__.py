"""The dashboard's answers: the time series, the summary table, the exam list
and the filter values a data set offers."""
