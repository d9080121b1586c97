"""Every experiment preset validates; the CoSeRec presets carry the released settings."""

from __future__ import annotations

import pytest

from seqaug.config import load_config
from seqaug.methods.operator_params import operator_pool
from tests.conftest import ROOT

PRESETS = sorted((ROOT / "configs" / "experiments").glob("*/*.yaml"))


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_preset_validates(path) -> None:
    cfg = load_config(path)
    if path.stem.startswith("sampled99_"):  # DualRec's protocol: 99 fixed negatives, selection on MRR
        assert (cfg.eval.protocol, cfg.eval.num_negatives, cfg.train.metric) == ("sampled-fixed", 99, "mrr")
    else:
        assert cfg.train.metric == "ndcg@20" and cfg.eval.protocol == "full"


def test_coserec_beauty_is_the_released_script() -> None:
    m = load_config(ROOT / "configs/experiments/beauty/coserec_sasrec.yaml").method
    assert (m.substitute_rate, m.insert_rate, m.short_threshold, m.warmup_epochs) == (0.05, 0.5, 12, 220)
    pool = operator_pool(m, num_items=100)
    assert sorted(o.name for o in pool.short) == sorted(o.name for o in pool.long)  # SIMRC: all five
    reorder = next(o for o in pool.operators if o.name == "reorder")
    assert reorder.rate.value == 0.7 and reorder.window == "exclude_last"
    paper = operator_pool(load_config(ROOT / "configs/experiments/beauty/coserec_sasrec_paper.yaml").method, 100)
    assert {o.name for o in paper.short} == {"substitute", "insert", "mask"} and paper.threshold == 12
    assert {o.rounding for o in paper.operators} == {"ceil"}
