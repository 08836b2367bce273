"""Unit tests of the matching engine: no database, milliseconds each."""
