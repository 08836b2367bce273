"""The route planner: the cheapest way from A to B over existing lines and new trench."""

from matching.planner.lines import PlanLine, PlanLines
from matching.planner.plan import PlanReport, plan_lines, plan_route
from matching.planner.requests import Constraints, PlanRequest, PlanSettings, constraints

__all__ = [
    "Constraints",
    "PlanLine",
    "PlanLines",
    "PlanReport",
    "PlanRequest",
    "PlanSettings",
    "constraints",
    "plan_lines",
    "plan_route",
]
