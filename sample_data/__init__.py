"""Seeded generator of realistic RIS exam exports and the bundled samples."""
