"""SymPy derivations the book displays. Each module returns expressions; tests hold them to the NumPy code."""
