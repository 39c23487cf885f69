"""Words, tables and links: analysis answers → what pages and reports show."""
