"""The registry's side of the matching engine: the record source and the matcher services call."""
