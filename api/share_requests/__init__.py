"""Share requests: ask for units of an asset; the owner accepts or rejects."""
