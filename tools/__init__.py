"""Project tooling that CI runs from the repository (not shipped in the bundle)."""
