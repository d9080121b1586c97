"""BERT4Rec (Sun et al., CIKM 2019): the SASRec Transformer with bidirectional attention,
trained with the cloze task (``data.samples: cloze``, mask token N+1) and scored by
appending the mask token to the history and reading that slot (methods.md §1.4, §5.2).

It is SASRec with the causal rule removed, so it reuses ``SASRec`` and both its flavours:
``s3rec`` (post-LN, GELU: the BERT/RecBole layer) is the default; ``kang`` (pre-LN) is the
base of DiffuASR's copy. Departures: padded keys are blocked (RecBole does so; DiffuASR's
copy does not), positions are right-aligned, and the mask token is always the mask
(no 80/10/10 replacement, as BERT4Rec's and RecBole's code).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from seqaug.backbones.base import BACKBONES
from seqaug.backbones.sasrec import SASRec, SASRecParams


class BERT4RecParams(SASRecParams):
    name: Literal["bert4rec"] = "bert4rec"  # type: ignore[assignment]
    dropout: float = Field(0.2, ge=0.0, lt=1.0)


class BERT4Rec(SASRec):
    """Bidirectional (non-causal) SASRec; predicts at mask tokens."""

    causal = False
    predict_with_mask_token = True


@BACKBONES.register("bert4rec", BERT4RecParams)
def build_bert4rec(params: BERT4RecParams, *, num_items: int, max_len: int) -> BERT4Rec:
    return BERT4Rec(num_items, max_len, **params.model_dump(exclude={"name"}))
