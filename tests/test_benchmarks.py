"""The benchmarks stay runnable: each one's scenario at a tiny size, checked for what it counts.

No timing is asserted here (speed targets live in ``benchmarks/`` and are run by
hand); these runs only keep the scripts importable and their scenarios correct
as the bot changes under them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_broadcast  # noqa: E402
import bench_data_scale  # noqa: E402
import bench_rush_handlers  # noqa: E402


async def test_the_rush_benchmark_runs_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert await bench_rush_handlers.rush(5, 0.0, check=False) == []
    shown = capsys.readouterr().out
    assert "| bot |" in shown and "| floor |" in shown and "per update, by step" in shown

    run = await bench_rush_handlers.run_bot(5, 0.0, warm_up=2)
    steps = bench_rush_handlers.per_step(run.result.records)
    assert set(steps) == set(bench_rush_handlers.STEPS)
    assert all(steps[s]["write_tx"] == 0 for s in bench_rush_handlers.SCREEN_ONLY_STEPS)
    # 「确定」 writes at most its booking, in one transaction of its own (a refused clerk's none);
    # the receipt's part records are the outbox courier's, group-committed apart from it.
    assert 0 < steps[bench_rush_handlers.CONFIRM]["write_tx"] <= 1
    assert run.used == 15 * run.booked == run.capacity  # 3 of 5 clerks fit: sold exactly
    assert all(r.shown and r.done for r in run.result.records)
    assert bench_rush_handlers.served_out_of_order(run.result.records, run.booked_clerks, run.window)[1] == 0


async def test_the_floor_runs() -> None:
    floor = await bench_rush_handlers.run_floor(3, 0.0)
    assert floor.updates == 3 * len(bench_rush_handlers.STEPS)


async def test_the_data_scale_benchmark_runs_on_a_small_history() -> None:
    empty, large, startup_empty, startup_large = await bench_data_scale.measure(3, 300, units=20, warm_up=1, repeat=1)
    assert set(empty) == set(large) == set(bench_data_scale.SCALE_STEPS)
    assert startup_empty > 0 and startup_large > 0


async def test_the_broadcast_benchmark_delivers_once_each() -> None:
    result = await bench_broadcast.run(5, 0.0)
    assert result["recipients"] == 5
    assert result["twice"] == 0 and result["never"] == 0
