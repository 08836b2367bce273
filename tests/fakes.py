"""A fake unit of work for fast service tests: rows in dicts, a fixed clock, no database.

`FakeSession` answers what the workflow services ask of a session: get, add, flush and
`select(Model).where(col == value, col <= value, col.in_(...)).order_by(...).limit(n)`,
evaluated in Python. Anything else raises, so a test never passes by silently ignoring SQL.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections import defaultdict

from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import (
    BinaryExpression,
    BindParameter,
    BooleanClauseList,
    UnaryExpression,
)

from registry.db.uow import Actor

_COMPARE = {
    operators.eq: operator.eq,
    operators.ne: operator.ne,
    operators.le: operator.le,
    operators.lt: operator.lt,
    operators.ge: operator.ge,
    operators.gt: operator.gt,
    operators.in_op: lambda a, b: a in b,
}


class FakeSession:
    """Rows by model and id; `select` statements of plain comparisons, evaluated in Python."""

    def __init__(self) -> None:
        self.rows: dict[type, dict[int, object]] = defaultdict(dict)
        self._ids = itertools.count(1)

    def add(self, obj) -> None:
        if getattr(obj, "id", None) is None:
            obj.id = next(self._ids)
        self.rows[type(obj)][obj.id] = obj

    def add_all(self, objs) -> None:
        for obj in objs:
            self.add(obj)

    def flush(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def get(self, model, key):
        return self.rows[model].get(key)

    def scalars(self, stmt):
        model = stmt.column_descriptions[0]["entity"]
        found = [r for r in self.rows[model].values() if _holds(stmt.whereclause, r)]
        for clause in reversed(stmt._order_by_clauses):
            desc = isinstance(clause, UnaryExpression) and clause.modifier is operators.desc_op
            column = clause.element if isinstance(clause, UnaryExpression) else clause
            found.sort(key=lambda r, c=column: getattr(r, c.key), reverse=desc)
        limit = stmt._limit_clause.value if stmt._limit_clause is not None else None
        return _Result(found[:limit] if limit is not None else found)


class _Result(list):
    def one_or_none(self):
        assert len(self) <= 1
        return self[0] if self else None

    def first(self):
        return self[0] if self else None

    def all(self):
        return list(self)


def _value(side):
    if isinstance(side, BindParameter):
        return side.value
    raise NotImplementedError(f"the fake session cannot evaluate {side!r}")


def _holds(clause, row) -> bool:
    if clause is None:
        return True
    if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
        return all(_holds(c, row) for c in clause.clauses)
    if isinstance(clause, BinaryExpression) and clause.operator in _COMPARE:
        left = getattr(row, clause.left.key)
        right = _value(clause.right)
        return left is not None and _COMPARE[clause.operator](left, right)
    raise NotImplementedError(f"the fake session cannot evaluate {clause}")


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: dt.datetime) -> None:
        self.time = now

    def __call__(self) -> dt.datetime:
        return self.time

    def advance(self, **delta) -> None:
        self.time += dt.timedelta(**delta)


class FakeUnitOfWork:
    """The UnitOfWork interface over a FakeSession: audit entries and commits are recorded."""

    def __init__(self, actor: Actor, clock: FixedClock, session: FakeSession | None = None):
        self.actor = actor
        self.clock = clock
        self.session = session or FakeSession()
        self.request_id = "fake"
        self.audits: list[tuple] = []
        self.commits = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def now(self) -> dt.datetime:
        return self.clock()

    def changed(self, asset_id, entity, op) -> None:
        raise AssertionError("workflow decisions do not write the change feed")

    def audit(self, object_type, object_id, action, before=None, after=None, reason=None):
        self.audits.append((object_type, object_id, action, before, after, reason))

    def commit(self) -> None:
        self.commits += 1
