"""``seqaug quickstart``: synthetic data → SASRec and GRU4Rec → a results table, offline,
in about a minute on two CPU cores."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from seqaug.config import validate
from seqaug.data.readers import write_s3rec
from seqaug.data.synthetic import make_synthetic
from seqaug.evaluate.report import load_results, render, table

BACKBONES = {
    "sasrec": {"name": "sasrec", "hidden_size": 64, "num_layers": 2, "num_heads": 2, "dropout": 0.2},
    "gru4rec": {"name": "gru4rec", "hidden_size": 64, "dropout": 0.2},
}


def run_quickstart(out: Path, *, epochs: int = 20, log: Callable[[str], None] = print) -> str:
    """Train both backbones on a synthetic dataset in ``out``; return the markdown table."""
    from seqaug.experiment import train

    out = Path(out)
    data = out / "synthetic.txt"
    if not data.exists():
        write_s3rec(make_synthetic(num_users=3000, num_items=800, seed=0), data)
        log(f"wrote {data} (3,000 users, 800 items, seeded)")
    runs = []
    for name, backbone in BACKBONES.items():
        cfg = validate(
            {
                "name": f"quickstart-{name}",
                "data": {"path": str(data), "max_len": 30},
                "backbone": backbone,
                "method": {"name": "next_item", "loss": "bce"},
                "train": {"epochs": epochs, "patience": 5, "batch_size": 128, "seed": 0, "device": "cpu"},
                "eval": {"protocol": "full", "ks": [1, 5, 10, 20]},
            },
            "quickstart",
        )
        log(f"training {name} for up to {epochs} epochs ...")
        train(cfg, out / name, log=log)
        runs.append(out / name)
    header, body = table(load_results(runs), ["hr@1", "hr@10", "ndcg@10", "hr@20", "ndcg@20", "mrr"])
    return render(header, body, "markdown")
