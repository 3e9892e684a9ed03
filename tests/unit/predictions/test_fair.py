"""The fair queue's order: one person's many images never keep another's one waiting."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from modelhub.predictions.fair import fair_order
from modelhub.predictions.models import Prediction, PredictionStatus

START = datetime(2026, 12, 1, tzinfo=UTC)


def _waiting(pid: str, user: int, minute: int) -> Prediction:
    return Prediction(
        id=pid,
        owner_user_id=user,
        status=PredictionStatus.waiting,
        created_at=START + timedelta(minutes=minute),
    )


def test_a_late_single_image_goes_before_a_long_batch() -> None:
    batch = [_waiting(f"a{i}", 1, i) for i in range(100)]
    late = _waiting("b0", 2, 500)
    order = [p.id for p in fair_order([*batch, late], Counter())]
    assert order[:3] == ["a0", "b0", "a1"]
    assert order[-1] == "a99"


def test_who_already_runs_waits_for_the_others() -> None:
    order = fair_order([_waiting("a1", 1, 0), _waiting("b1", 2, 5)], Counter({"user:1": 1}))
    assert [p.id for p in order] == ["b1", "a1"]


def test_three_people_take_turns_in_order_of_arrival() -> None:
    waiting = [
        _waiting("a0", 1, 0),
        _waiting("a1", 1, 1),
        _waiting("c0", 3, 2),
        _waiting("b0", 2, 3),
        _waiting("b1", 2, 4),
    ]
    assert [p.id for p in fair_order(waiting, Counter())] == ["a0", "c0", "b0", "a1", "b1"]


def test_whoever_was_served_last_waits_when_slots_free_up() -> None:
    # a's first image ran and finished; b's one image came after a's second
    waiting = [_waiting("a1", 1, 1), _waiting("b0", 2, 2)]
    served = {"user:1": START + timedelta(minutes=3)}
    assert [p.id for p in fair_order(waiting, Counter(), served)] == ["b0", "a1"]
