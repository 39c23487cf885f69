"""Each value read and checked: dates, modality codes, spellings, cancelled and
duplicate rows, the chain of times."""
