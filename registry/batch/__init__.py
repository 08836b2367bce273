"""Batch work over the whole registry on Dask: the avoidable-build audit of planned sites."""
