"""The prepared frame and how exams are chosen and grouped: derived columns,
shifts, targets, intervals on offer, groups, periods and their buckets, data
coverage and the filter mask."""
