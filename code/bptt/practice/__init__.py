"""Practice: the reader writes an algorithm, and :func:`check` says whether it is right and, if
not, which classic mistake it contains (issue 13; being written)."""
