"""A task's slice: a deadline less a margin measured from earlier closings; each step judged by the longest of its
kind seen in the task."""

import time

from core import slices
from core.slices import Slice


def test_a_step_fits_while_the_longest_of_its_kind_ends_before_the_deadline():
    clock = Slice(10.0, started=time.monotonic() - 8.0)  # two seconds left
    assert clock.fits("batch")  # a kind not seen yet is not judged
    clock.took("batch", 0.5)
    clock.took("batch", 1.5)  # the longest counts, not the last
    clock.took("batch", 0.1)
    assert clock.fits("batch") and not clock.fits("batch", 2)
    clock.took("picture_check", 3.0)
    assert not clock.fits("picture_check") and clock.fits("batch")  # each kind by its own longest


def test_without_a_budget_every_step_fits():
    clock = Slice()
    clock.took("batch", 3600.0)
    assert clock.deadline is None and clock.fits("batch", 1000)


def test_a_task_s_closing_is_the_margin_of_the_next_tasks_deadline():
    closing = Slice(10.0, task="vksync.sync_merchant", started=time.monotonic() - 1.0)
    closing.stop()
    closing.stopped -= 4.0  # its steps stopped four seconds before its end
    closing.close()
    assert slices.margin() >= 4.0
    later = Slice(10.0, task="vksync.sync_merchant")
    assert later.margin >= 4.0 and later.deadline <= later.started + 6.0
    assert Slice(10.0).margin == 0  # a direct call (no task) keeps no margin


def test_lifting_the_deadline_lets_the_rest_go_to_the_end():
    clock = Slice(1.0, started=time.monotonic() - 5.0)
    assert not clock.fits("batch")
    clock.lift()
    assert clock.fits("batch")


def test_the_first_step_of_a_kind_is_judged_by_the_process_s_recent_tasks_scaled_by_its_size():
    earlier = Slice(10.0, task="vksync.sync_merchant")
    earlier.took("plan", 2.0, size=4.0)  # half a second per unit (a thousand products)
    earlier.close()
    later = Slice(10.0, task="vksync.sync_merchant", started=time.monotonic() - 8.0)  # two seconds left
    assert later.fits("plan", size=3.0) and not later.fits("plan", size=5.0)
    assert later.fits("albums")  # a kind this process has not seen yet is not judged
    later.took("plan", 0.1, size=1.0)  # a shorter one in the task does not make the next look shorter
    assert not later.fits("plan", size=5.0)
    later.took("plan", 1.0, size=1.0)  # a longer one does
    assert not later.fits("plan", size=3.0)
    direct = Slice(10.0, started=time.monotonic() - 8.0)  # a direct call (no task) keeps no history
    assert direct.fits("plan", size=5.0)


def test_a_process_s_step_history_keeps_the_longest_of_its_last_tasks_only():
    for seconds in [9.0] + [1.0] * slices.RECENT:
        task = Slice(10.0, task="catalog.check_pictures")
        task.took("picture_check", seconds)
        task.close()
    assert slices.usual("picture_check") == 1.0  # the spike long ago is forgotten
