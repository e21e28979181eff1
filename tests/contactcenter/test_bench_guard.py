"""The regression guard's verdicts (``bench/guard.py``) on benchmark results of the shape
its benchmarks write: a slowdown past the bound, a lost message or an operator over the
limit fails; figures within the bounds pass."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("bench_guard", ROOT / "bench" / "guard.py")
assert spec is not None and spec.loader is not None
guard = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = guard  # its dataclasses look their module up
spec.loader.exec_module(guard)

BOUNDS = argparse.Namespace(
    messaging_x=40.0, messaging_min_ms=40.0, messaging_cpu_s=2.0, routing_ratio=0.3, sockets_kb=45.0
)


def _messaging(p99: float, floor_p99: float, *, lost: int = 0, rows: str = "100/100") -> Any:
    ours = {"lost": lost, "duplicates": 0, "out_of_order": 0, "rows_of_all_sent": rows}
    return {
        "rates": [500],
        "ours": {"500": [{**ours, "p99_ms": p99}]},
        "floor": {"500": [{"p99_ms": floor_p99}]},
    }


def _routing(ours_per_s: float, floor_per_s: float, over: int = 0) -> Any:
    return [
        {
            "ours": {"per_s": ours_per_s, "over_limit_operators": over},
            "freed": {"over_limit_operators": 0},
            "floor": {"per_s": floor_per_s, "over_limit_operators": 0},
        }
    ]


def _failed(checks: list[Any]) -> list[str]:
    return [c.name for c in checks if not c.ok]


def test_messaging_within_forty_times_its_floor_passes():
    assert _failed(guard.messaging_checks(_messaging(60.0, 2.0), BOUNDS)) == []


def test_messaging_past_the_bound_fails():
    assert _failed(guard.messaging_checks(_messaging(81.0, 2.0), BOUNDS)) == [
        "messaging: p99 within bound"
    ]


def test_a_tiny_floor_still_allows_the_least_bound():
    assert _failed(guard.messaging_checks(_messaging(35.0, 0.3), BOUNDS)) == []


def test_a_lost_or_unstored_message_fails():
    lost = guard.messaging_checks(_messaging(5.0, 2.0, lost=1), BOUNDS)
    unstored = guard.messaging_checks(_messaging(5.0, 2.0, rows="99/100"), BOUNDS)
    assert _failed(lost) == _failed(unstored) != []


def test_routing_below_the_ratio_or_over_a_limit_fails():
    assert _failed(guard.routing_checks(_routing(900, 2000), BOUNDS)) == []
    assert _failed(guard.routing_checks(_routing(500, 2000), BOUNDS)) == [
        "routing: assignments a second against the floor"
    ]
    assert _failed(guard.routing_checks(_routing(900, 2000, over=1), BOUNDS)) == [
        "routing: nobody over their limit"
    ]


def _sockets(kb: float, answered: int = 1000) -> Any:
    return [
        {
            "sockets": 1000,
            "still_open_after_hold": 1000,
            "answered_sync": answered,
            "kb_per_socket": kb,
        }
    ]


def test_sockets_over_the_memory_bound_or_silent_fail():
    assert _failed(guard.sockets_checks(_sockets(24.5), BOUNDS)) == []
    assert _failed(guard.sockets_checks(_sockets(46.0), BOUNDS)) == ["sockets: memory a socket"]
    assert _failed(guard.sockets_checks(_sockets(24.5, answered=999), BOUNDS)) == [
        "sockets: every idle socket answers after the hold"
    ]


def _with_cpu(results: Any, a: float, b: float) -> Any:
    run = results["ours"]["500"][0]
    run["processes"] = {
        "daphne_visitors": {"cpu_pct": 20.0, "cpu_s_per_1k": a},
        "daphne_operators": {"cpu_pct": 5.0, "cpu_s_per_1k": b},
    }
    return results


def test_messaging_cpu_per_message_within_its_bound_passes():
    results = _with_cpu(_messaging(20.0, 2.0), 0.45, 0.12)
    assert _failed(guard.messaging_checks(results, BOUNDS)) == []


def test_messaging_cpu_per_message_past_its_bound_fails_even_with_a_good_latency():
    results = _with_cpu(_messaging(20.0, 2.0), 1.7, 0.4)
    assert _failed(guard.messaging_checks(results, BOUNDS)) == [
        "messaging: CPU per message within bound"
    ]


def test_results_without_cpu_per_message_are_judged_on_the_rest():
    assert _failed(guard.messaging_checks(_messaging(20.0, 2.0), BOUNDS)) == []


def _features(full: float, plain: float, lost: int = 0) -> Any:
    return {
        "runs": [
            {"mode": "plain", "lost": 0, "cpu_ms_per_msg": {"product": plain}},
            {"mode": "full", "lost": lost, "cpu_ms_per_msg": {"product": full}},
        ]
    }


def test_features_cost_past_its_bound_or_a_lost_message_fails():
    bounds = argparse.Namespace(features_x=2.0)
    assert _failed(guard.features_checks(_features(3.0, 2.0), bounds)) == []
    assert _failed(guard.features_checks(_features(4.2, 2.0), bounds)) == [
        "features: CPU per message with everything on against a plain chat"
    ]
    assert _failed(guard.features_checks(_features(3.0, 2.0, lost=2), bounds)) == [
        "features: every message delivered"
    ]


def test_features_without_a_plain_run_fail():
    results = _features(3.0, 2.0)
    results["runs"] = results["runs"][1:]
    assert _failed(guard.features_checks(results, argparse.Namespace(features_x=2.0))) != []


def _scale_step(per_role: int, cpu: float, **bad: int) -> dict[str, Any]:
    step = {"lost": 0, "duplicates": 0, "out_of_order": 0, "dialogs_shown_out_of_id_order": 0}
    sent = 1500 * per_role
    rows = sent - bad.pop("unstored", 0)
    return {
        **step,
        **bad,
        "per_role": per_role,
        "rows_of_all_sent": f"{rows}/{sent}",
        "cpu_ms_per_msg": {"product_total": cpu},
    }


def _scale(one: dict[str, Any], two: dict[str, Any], **order: Any) -> dict[str, Any]:
    check = {"visitors": 50, "visitors_on_two_processes": 50, "ok": True, **order}
    return {"steps": [one, two], "order_check": check}


SCALE = argparse.Namespace(scale_x=1.5)
ORDER_NAME = "scale-out: a visitor's sockets on two processes keep its dialog's order"
CPU_NAME = "scale-out: CPU per message on two processes per role against one"
STORED_NAME = "scale-out: every message stored and delivered once, in order, on 1 and 2 per role"


def test_scale_out_within_its_bound_passes():
    results = _scale(_scale_step(1, 2.3), _scale_step(2, 2.1))
    assert _failed(guard.scale_out_checks(results, SCALE)) == []


def test_scale_out_costing_more_a_message_on_two_processes_fails():
    results = _scale(_scale_step(1, 2.0), _scale_step(2, 3.2))
    assert _failed(guard.scale_out_checks(results, SCALE)) == [CPU_NAME]


def test_scale_out_losing_unstoring_or_disordering_a_message_fails():
    for bad in ({"lost": 1}, {"unstored": 3}, {"dialogs_shown_out_of_id_order": 1}):
        results = _scale(_scale_step(1, 2.0), _scale_step(2, 2.0, **bad))
        assert _failed(guard.scale_out_checks(results, SCALE)) == [STORED_NAME], bad


def test_scale_out_order_check_failing_or_not_spread_fails():
    for order in ({"ok": False}, {"visitors_on_two_processes": 30}):
        results = _scale(_scale_step(1, 2.0), _scale_step(2, 2.0), **order)
        assert _failed(guard.scale_out_checks(results, SCALE)) == [ORDER_NAME], order
    results = _scale(_scale_step(1, 2.0), _scale_step(2, 2.0))
    del results["order_check"]
    assert ORDER_NAME in _failed(guard.scale_out_checks(results, SCALE))


def test_scale_out_with_one_layout_missing_fails():
    results = _scale(_scale_step(1, 2.0), _scale_step(2, 2.0))
    results["steps"] = results["steps"][:1]
    failed = _failed(guard.scale_out_checks(results, SCALE))
    assert STORED_NAME in failed and CPU_NAME in failed
