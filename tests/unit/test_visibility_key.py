"""The key under which SQL built from the visibility rule is reused tells apart every caller
the rule treats differently."""

from __future__ import annotations

from registry.access.masking import masked_condition
from registry.access.visibility import condition_key, visible_condition
from registry.db.uow import Actor

OPERATOR = Actor(name="op", org_id=1, roles=frozenset({"operator"}))
ADMIN_SAME_ORG = Actor(name="admin", org_id=1, roles=frozenset({"admin"}))
OTHER_ORG = Actor(name="op2", org_id=2, roles=frozenset({"operator"}))


def _sql(condition) -> str:
    return str(condition.compile(compile_kwargs={"literal_binds": True}))


def test_callers_with_different_conditions_never_share_a_key():
    actors = [OPERATOR, ADMIN_SAME_ORG, OTHER_ORG]
    for a in actors:
        for b in actors:
            same_sql = _sql(visible_condition(a)) == _sql(visible_condition(b)) and _sql(
                masked_condition(a)
            ) == _sql(masked_condition(b))
            assert (condition_key(a) == condition_key(b)) == same_sql, (a.name, b.name)


def test_the_same_caller_again_shares_its_key():
    again = Actor(name="someone else", org_id=1, roles=frozenset({"operator", "owner"}))
    assert condition_key(again) == condition_key(OPERATOR)
    assert _sql(visible_condition(again)) == _sql(visible_condition(OPERATOR))


def test_a_grant_holder_gets_no_key():
    holder = Actor(name="g", org_id=1, roles=frozenset({"operator"}), grants=(object(),))
    assert condition_key(holder) is None
