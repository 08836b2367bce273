"""Operations endpoints: liveness, readiness and Prometheus metrics."""

from api.ops.resources import register

__all__ = ["register"]
