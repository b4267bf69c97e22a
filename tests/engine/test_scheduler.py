"""The scheduler is pure policy: these tests drive it without a model."""

from __future__ import annotations

import random

import pytest

from planwright.engine.scheduler import Scheduler, SchedulerConfig, SeqBudget


def seq(i: int, prompt: int = 100, new: int = 50) -> SeqBudget:
    return SeqBudget(seq_id=i, prompt_tokens=prompt, max_new_tokens=new)


def ids(batch: list[SeqBudget]) -> list[int]:
    return [s.seq_id for s in batch]


def test_max_batch_size_caps_admission() -> None:
    sched = Scheduler(SchedulerConfig(max_batch_size=3, max_batch_tokens=10**6, max_prefill_tokens=10**6))
    for i in range(5):
        sched.add(seq(i))
    assert ids(sched.schedule()) == [0, 1, 2]
    assert ids(sched.schedule()) == []  # full: nothing joins until a slot frees
    sched.finish(1)
    assert ids(sched.schedule()) == [3]
    assert sched.num_running == 3 and sched.num_waiting == 1


def test_kv_token_budget_counts_prompt_plus_max_new_tokens() -> None:
    sched = Scheduler(SchedulerConfig(max_batch_size=16, max_batch_tokens=400, max_prefill_tokens=10**6))
    for i in range(3):
        sched.add(seq(i, prompt=100, new=50))  # 150 reserved each
    assert ids(sched.schedule()) == [0, 1]  # 300 fits, 450 would not
    assert sched.reserved_tokens == 300
    sched.finish(0)
    assert ids(sched.schedule()) == [2]


def test_prefill_budget_spreads_newcomers_over_steps() -> None:
    sched = Scheduler(SchedulerConfig(max_batch_size=16, max_batch_tokens=10**6, max_prefill_tokens=250))
    for i in range(5):
        sched.add(seq(i, prompt=100))
    assert ids(sched.schedule()) == [0, 1]
    assert ids(sched.schedule()) == [2, 3]  # admission happens between steps, while 0-1 run
    assert ids(sched.schedule()) == [4]


def test_prompt_larger_than_prefill_budget_runs_alone_in_its_step() -> None:
    sched = Scheduler(SchedulerConfig(max_batch_size=16, max_batch_tokens=10**6, max_prefill_tokens=100))
    sched.add(seq(0, prompt=500))
    sched.add(seq(1, prompt=10))
    assert ids(sched.schedule()) == [0]
    assert ids(sched.schedule()) == [1]


def test_request_larger_than_kv_budget_runs_when_batch_is_empty() -> None:
    sched = Scheduler(SchedulerConfig(max_batch_size=16, max_batch_tokens=300, max_prefill_tokens=10**6))
    sched.add(seq(0, prompt=100, new=50))
    sched.add(seq(1, prompt=900, new=100))  # can never fit the budget next to anything
    sched.add(seq(2, prompt=10, new=10))
    assert ids(sched.schedule()) == [0]
    assert ids(sched.schedule()) == []  # 1 waits for an empty batch; 2 may not overtake it
    sched.finish(0)
    assert ids(sched.schedule()) == [1]
    sched.finish(1)
    assert ids(sched.schedule()) == [2]


def test_fifo_no_overtaking_so_nothing_starves() -> None:
    """A stream of small requests behind a big one must not keep the big one waiting forever."""
    sched = Scheduler(SchedulerConfig(max_batch_size=4, max_batch_tokens=1000, max_prefill_tokens=10**6))
    for i in range(3):
        sched.add(seq(i, prompt=200, new=50))  # 750 reserved
    assert ids(sched.schedule()) == [0, 1, 2]
    sched.add(seq(3, prompt=600, new=100))  # big: needs 700, only 250 free
    for i in range(4, 10):
        sched.add(seq(i, prompt=20, new=10))  # small ones that would fit right now
    assert ids(sched.schedule()) == []
    sched.finish(0)
    sched.finish(1)
    assert ids(sched.schedule()) == [3, 4]  # the big one first once there is room, then in order


def test_simulated_continuous_batching_admits_in_arrival_order_and_short_ones_finish_first() -> None:
    """Drive the scheduler like the engine loop: each step, running sequences make one token; finished
    ones leave; new arrivals keep coming. Everyone is admitted in arrival order, nobody starves, and a
    short request that started with a long one finishes first (completion order follows length)."""
    rng = random.Random(3)
    sched = Scheduler(SchedulerConfig(max_batch_size=4, max_batch_tokens=2000, max_prefill_tokens=600))
    budgets = {i: seq(i, prompt=rng.randint(20, 300), new=rng.randint(1, 40)) for i in range(60)}
    remaining: dict[int, int] = {}
    admitted_order: list[int] = []
    finished_at: dict[int, int] = {}
    started_at: dict[int, int] = {}
    arrivals = iter(sorted(budgets))
    for step in range(10_000):
        for _ in range(2):  # two arrivals per step while they last
            i = next(arrivals, None)
            if i is not None:
                sched.add(budgets[i])
        for s in sched.schedule():
            admitted_order.append(s.seq_id)
            started_at[s.seq_id] = step
            remaining[s.seq_id] = s.max_new_tokens
        assert sched.num_running <= 4 and sched.reserved_tokens <= 2000
        for i in list(remaining):
            remaining[i] -= 1
            if remaining[i] == 0:
                del remaining[i]
                sched.finish(i)
                finished_at[i] = step
        if not sched.has_work() and len(finished_at) == len(budgets):
            break
    assert admitted_order == sorted(budgets)  # FIFO
    assert set(finished_at) == set(budgets)  # nobody starved
    same_start = [(a, b) for a in budgets for b in budgets if a != b and started_at[a] == started_at[b]]
    assert same_start
    for a, b in same_start:
        if budgets[a].max_new_tokens < budgets[b].max_new_tokens:
            assert finished_at[a] < finished_at[b]


def test_drop_waiting_and_config_validation() -> None:
    sched = Scheduler(SchedulerConfig(max_batch_size=1))
    sched.add(seq(0))
    sched.add(seq(1))
    assert sched.drop_waiting(1) and not sched.drop_waiting(7)
    assert ids(sched.schedule()) == [0]
    with pytest.raises(ValueError):
        SchedulerConfig(max_batch_size=0)
