#!/usr/bin/env python3
"""lm_mass.py - how the trained T5 of an experiment spreads its 'generate:' samples.

Scores every encoded cell's code sequence (OUT/codes.jsonl) under the experiment's T5
(OUT/t5, the Hugging Face export of `archllm train-lm`) with teacher forcing, exactly
as `archllm generate` samples: prompt 'generate:', every step restricted to the code
tokens, the most common code length.  Prints, per temperature, the probability mass the
sampler puts on the encoded cells' sequences (the rest goes to code sequences no cell
encodes to, which the VQ-VAE decoder maps onto cells, invalid ones or repeats), the
held-out split's share of that mass (about 10% for a model that generalizes like a
uniform sampler), the spread of log p over the cells and the expected number of
distinct cells N draws hit through those exact sequences alone.

  pip install torch transformers
  python3 bench/generate/lm_mass.py out/nb201-default [--temperatures 1.0,1.25]
"""
import argparse
import collections
import json
import math
import sys

import numpy as np
import torch
from transformers import T5ForConditionalGeneration

CODE0 = 21  # first code token: pad, eos, unk, generate, fill, 16 sentinels (src/model/prompts.h)
GENERATE, EOS = 3, 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="experiment output folder (holds t5/ and codes.jsonl)")
    ap.add_argument("--temperatures", default="0.75,1.0,1.25,1.5")
    ap.add_argument("--samples", default="1000,10000", help="N for the expected distinct count")
    ap.add_argument("--batch", type=int, default=4096)
    a = ap.parse_args()

    model = T5ForConditionalGeneration.from_pretrained(a.out + "/t5").eval()
    K = model.config.vocab_size - CODE0
    rows = [json.loads(l) for l in open(a.out + "/codes.jsonl")]
    L = collections.Counter(len(r["codes"]) for r in rows).most_common(1)[0][0]
    rows = [r for r in rows if len(r["codes"]) == L]
    codes = torch.tensor([r["codes"] for r in rows])
    train = np.array([r["split"] == "train" for r in rows])
    print(f"{a.out}: {len(rows)} cells with {L} codes ({int(train.sum())} in the training split), K = {K}")

    temps = [float(t) for t in a.temperatures.split(",")]
    Ns = [int(n) for n in a.samples.split(",")]
    logits = []
    with torch.no_grad():
        for i in range(0, len(rows), a.batch):
            c = codes[i:i + a.batch]
            enc = torch.tensor([[GENERATE, EOS]]).repeat(len(c), 1)
            dec = torch.cat([torch.zeros(len(c), 1, dtype=torch.long), c[:, :-1] + CODE0], 1)
            logits.append(model(input_ids=enc, decoder_input_ids=dec).logits[:, :, CODE0:CODE0 + K])
    logits = torch.cat(logits)
    for T in temps:
        lp = torch.log_softmax(logits / T, -1).gather(2, codes.unsqueeze(2)).squeeze(2).sum(1).double().numpy()
        p = np.exp(lp)
        mass = p.sum()
        line = (f"T={T:.2f}  mass on cells {mass:.4g}  held-out share {p[~train].sum() / mass:.4f}  "
                f"std log p {lp.std():.3f}")
        for N in Ns:
            line += f"  E[distinct]/N at N={N}: {(1 - (1 - p) ** N).sum() / N:.4f}"
        print(line)
    S = len(rows)
    print("iid limit over these cells: " + "  ".join(f"N={N}: {S * (1 - math.exp(-N / S)) / N:.4f}" for N in Ns))


if __name__ == "__main__":
    sys.exit(main())
