"""Where the time goes and when it went wrong: the links of the chain of times,
control charts, working time and user-named intervals."""
