"""Reading a file: its bytes, encoding and layout → rows of text (CSV or workbook)."""
