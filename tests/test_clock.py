"""training.clock: the run's time leaves out the time the process was stopped."""
from training.clock import GAP, TICK, RunClock


class Fake:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_a_pause_is_left_out_and_steady_ticks_are_not():
    now = Fake()
    clock = RunClock(now, watch=False)
    for _ in range(10):  # the watcher wakes every TICK: nothing stopped
        now.t += TICK
        clock.tick()
    assert clock.seconds() == 10 * TICK
    now.t += 600  # stopped for ten minutes: no wake-up meanwhile
    assert clock.seconds() == 10 * TICK + TICK  # seen at once, before the watcher has woken
    clock.tick()
    assert clock.seconds() == 11 * TICK
    now.t += GAP * 0.9  # a late wake-up shorter than GAP counts as running
    clock.tick()
    assert clock.seconds() == 11 * TICK + GAP * 0.9
    assert clock.share(1) == clock.seconds() / 60
