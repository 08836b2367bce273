"""The share- and build-request state machines are tables; illegal moves name the state."""

from __future__ import annotations

import pytest

from registry.errors import IllegalTransition
from registry.workflow.states import (
    BUILD_FINAL,
    BUILD_TRANSITIONS,
    MODES_BY_RESOURCE,
    SHARE_FINAL,
    SHARE_TRANSITIONS,
    BuildAction,
    BuildState,
    ShareAction,
    ShareState,
    SharingMode,
    build_next,
    share_next,
)


def test_a_pending_share_request_can_be_accepted_rejected_withdrawn_or_expire():
    outcomes = {
        a: share_next("r", "pending", a) for a in ("accept", "reject", "withdraw", "expire")
    }
    assert outcomes == {
        "accept": "accepted",
        "reject": "rejected",
        "withdraw": "withdrawn",
        "expire": "expired",
    }
    assert share_next("r", "accepted", "release") == "released"


@pytest.mark.parametrize("state", sorted(SHARE_FINAL))
def test_a_finished_share_request_allows_nothing(state):
    for action in ShareAction:
        with pytest.raises(IllegalTransition, match=f"is {state}"):
            share_next("share request 7", state, action)


def test_accepting_a_withdrawn_request_names_the_current_state():
    with pytest.raises(IllegalTransition) as raised:
        share_next("share request 12", "withdrawn", "accept")
    assert raised.value.details == {"current_state": "withdrawn"}
    assert "share request 12 is withdrawn" in raised.value.message


def test_an_illegal_move_lists_what_is_possible_instead():
    with pytest.raises(IllegalTransition, match=r"possible now: release"):
        share_next("r", "accepted", "withdraw")


def test_a_question_pauses_a_build_request_and_the_answer_resumes_it():
    assert build_next("b", "pending", "request_info") == "info_requested"
    assert build_next("b", "info_requested", "respond") == "pending"
    with pytest.raises(IllegalTransition):
        build_next("b", "info_requested", "approve_new_build")


def test_every_transition_goes_between_known_states():
    for (state, action), target in SHARE_TRANSITIONS.items():
        assert {state, target} <= set(ShareState) and action in set(ShareAction)
    for (state, action), target in BUILD_TRANSITIONS.items():
        assert {state, target} <= set(BuildState) and action in set(BuildAction)


def test_core_swap_is_a_fiber_mode_only():
    holders = [r for r, modes in MODES_BY_RESOURCE.items() if SharingMode.CORE_SWAP in modes]
    assert holders == ["fiber_core"]


def _walk(transitions, start) -> set:
    seen, todo = {start}, [start]
    while todo:
        state = todo.pop()
        for (source, _action), target in transitions.items():
            if source == state and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _no_dead_ends(transitions, states, start, final):
    """Every state is reachable from the start; from every one a final state is reachable;
    only final states have no way out."""
    assert _walk(transitions, start) == set(states)
    for state in states:
        exits = {a for (s, a) in transitions if s == state}
        assert bool(exits) == (state not in final), (state, exits)
        assert _walk(transitions, state) & set(final), f"{state} cannot reach an end"


def test_the_build_request_machine_has_no_dead_ends():
    _no_dead_ends(BUILD_TRANSITIONS, BuildState, BuildState.PENDING, BUILD_FINAL)


def test_the_share_request_machine_has_no_dead_ends():
    _no_dead_ends(SHARE_TRANSITIONS, ShareState, ShareState.PENDING, SHARE_FINAL)


def test_a_required_share_that_falls_through_goes_back_to_the_approver():
    assert build_next("b", "share_required", "share_fell_through") == "pending"
    assert build_next("b", "pending", "approve_new_build") == "approved"
