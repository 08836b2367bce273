"""Open Fibre Data Standard export of ducts and cables."""
