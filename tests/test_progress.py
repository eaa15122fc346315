"""Logging levels for -q / default / -v, the stage progress bar and the pause test hook."""

from __future__ import annotations

import logging

import pytest

from hotspots import progress


@pytest.mark.parametrize(("verbosity", "level"), [(-1, logging.WARNING), (0, logging.INFO),
                                                  (2, logging.DEBUG)])
def test_setup_logging_levels(verbosity, level):
    logger = progress.setup_logging(verbosity=verbosity)
    assert logger.level == level
    assert sum(getattr(h, "_hotspots", False) for h in logger.handlers) == 1  # no duplicates
    assert progress.get_logger("pipeline").name == "hotspots.pipeline"


def test_stage_bar_on_and_off(capsys):
    bar = progress.StageBar(2, enabled=True)
    bar.start("ingest")
    bar.done()
    bar.done()
    bar.close()
    err = capsys.readouterr().err
    assert "ingest:" in err and "0/2" in err and "stage/s" in err
    off = progress.StageBar(2, enabled=False)
    off.start("ingest")
    off.done()
    off.close()
    assert capsys.readouterr().err == ""
    assert list(progress.bar(range(3), desc="x", enabled=False)) == [0, 1, 2]


def test_pause_hook_only_for_its_stage(monkeypatch, capsys):
    monkeypatch.setenv(progress.PAUSE_ENV, "report")
    progress.pause_if_requested("ingest")  # returns at once
    assert capsys.readouterr().err == ""
