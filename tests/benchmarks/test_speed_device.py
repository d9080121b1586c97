"""benchmarks/speed_device.py: epoch times of presets through the library's own training loop."""

from __future__ import annotations

from pathlib import Path

from tests.benchmarks.scripts import load_script

SMOKE = Path(__file__).resolve().parents[2] / "configs" / "smoke"


def load():
    return load_script("speed_device")


def test_times_the_epochs_of_a_plain_preset_and_of_stage_two_of_a_two_stage_one() -> None:
    speed = load()
    one = speed.epoch_seconds(str(SMOKE / "next_item_sasrec.yaml"), "cpu", 3, [])
    assert len(one["train_seconds"]) == 3 and one["median_epoch"] > 0
    timed = one["train_seconds"][1:]  # the warm-up epoch is left out
    assert min(timed) <= one["median_epoch"] <= max(timed)
    # BASRec's smoke preset trains stage 1 for 2 epochs; here stage 1 runs one and stage 2 is timed.
    two = speed.epoch_seconds(str(SMOKE / "basrec_sasrec.yaml"), "cpu", 3, ["train.patience=10"])
    assert len(two["train_seconds"]) == 3 and len(two["eval_seconds"]) == 3
