"""Which column is which field: by its header and by the values it holds."""
