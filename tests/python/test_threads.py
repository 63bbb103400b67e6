"""The GIL is released while syncdsp computes, so other Python threads run meanwhile and several
calls compute in parallel. No timing thresholds: the proofs are what other threads observe.

1. While one thread is inside a long call (a log-mel with a 4096-point FFT every 64 samples over
   2 minutes of audio, about a second; flow), the main thread keeps executing Python: its
   observations cover the whole call with no gap longer than half of it (a held GIL would stop it
   for the whole call: one gap as long as the call).
2. Two threads calling mfcc at once are both inside the GIL-free section at the same time: the
   module counts the threads in its GIL-free sections (syncdsp._syncdsp._nogil_stats()), and
   the most at once reaches 2. With the GIL held it could never exceed 1, so the threads may
   repeat their call (up to 100 times) until a busy machine lets both be inside at once.
How much faster two threads are depends on the free cores of a shared machine: it is printed
(pytest -s), never asserted (speed is measured in benchmarks/).
"""
import threading
import time

import numpy as np

import syncdsp
from syncdsp import _syncdsp

LONG = np.random.default_rng(0).uniform(-0.5, 0.5, 16000 * 120)  # 2 minutes of 16 kHz noise


def observe_during(call):
    """Runs call() in a thread; returns (enter, exit, times the main thread ran Python meanwhile)."""
    inside = threading.Event()
    span = {}

    def worker():
        span["enter"] = time.perf_counter()
        inside.set()
        call()
        span["exit"] = time.perf_counter()

    t = threading.Thread(target=worker)
    t.start()
    inside.wait()
    seen = []
    while t.is_alive():
        seen.append(time.perf_counter())
    t.join()
    return span["enter"], span["exit"], seen


def largest_gap_fraction(enter, exit, seen):
    points = [enter] + [s for s in seen if enter <= s <= exit] + [exit]
    return max(b - a for a, b in zip(points, points[1:])) / (exit - enter)


def test_python_runs_while_features_compute():
    enter, exit, seen = observe_during(lambda: syncdsp.logmel(LONG, preset="librosa", n_fft=4096, hop_length=64))
    assert largest_gap_fraction(enter, exit, seen) < 0.5, f"the main thread stalled during logmel ({exit - enter:.2f} s)"


def test_python_runs_while_flow_computes():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 255, (480, 640), dtype=np.uint8)
    b = np.roll(a, 2, axis=1)
    enter, exit, seen = observe_during(lambda: [syncdsp.flow(a, b, iterations=10) for _ in range(3)])
    assert largest_gap_fraction(enter, exit, seen) < 0.5


def test_two_threads_compute_at_once():
    results = [None, None]
    start = threading.Barrier(2)

    def worker(i):
        start.wait()
        for _ in range(100):
            results[i] = syncdsp.mfcc(LONG, preset="psf")
            if _syncdsp._nogil_stats()[1] >= 2:
                break

    _syncdsp._reset_nogil_stats()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    active, most = _syncdsp._nogil_stats()
    print(f"two threads calling mfcc: {wall:.2f} s wall, {cpu:.2f} s CPU ({cpu / wall:.2f} cores busy)")
    assert active == 0
    assert most == 2, "the two calls never computed at the same time"
    assert np.array_equal(results[0], results[1])
    assert np.array_equal(results[0], syncdsp.mfcc(LONG, preset="psf"))


def test_the_observer_sees_a_held_gil():
    # Control: a C call that keeps the GIL (sum over a range never yields it) stalls the main
    # thread for the whole call, which the first two tests would report.
    enter, exit, seen = observe_during(lambda: sum(range(20_000_000)))
    assert largest_gap_fraction(enter, exit, seen) > 0.5
