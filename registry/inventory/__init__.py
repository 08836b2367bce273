"""The inventory: organisations, assets, capacity and allocations, with their invariants."""
