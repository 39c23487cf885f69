"""Where data sets live: saved exports, caches, the database's settings."""
