"""Route planning: the cheapest way from A to B over existing lines and new trench."""
