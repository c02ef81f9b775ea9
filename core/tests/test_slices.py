"""A task's slice: a deadline less a margin measured from earlier closings; each step judged by the longest of its
kind seen in the task."""

import time

import pytest

from core import slices
from core.slices import Slice


@pytest.fixture
def no_closings_noted():
    """This process's closings as they were: a test's closing is no other test's margin."""
    kept = list(slices._closings)
    slices._closings.clear()
    yield
    slices._closings.clear()
    slices._closings.extend(kept)


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


def test_a_task_s_closing_is_the_margin_of_the_next_tasks_deadline(no_closings_noted):
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
