"""Query strings → typed specs: the one parser of every route's parameters."""
