#!/usr/bin/env python3
"""bench_torch.py - the PyTorch / transformers side of bench/t5/bench_t5.c: the same T5
(lm group of conf/default.cfg: v1.1 gated-GELU, d_model 128, 4 heads x 32, d_ff 256, 3+3
layers, vocab 21 + 512 codes), one AdamW training step on B x S -> T random ids (median of N
after warm-up), and `generate` sampling of B sequences of T tokens (do_sample, KV cache,
min_new_tokens = max_new_tokens = T - 1 as the constrained C sampler produces T - 1 codes + eos).
Usage: python3 bench/t5/bench_torch.py [--threads 2] [--B 64] [--S 9] [--T 10] [--steps 20]
       [--device cpu|cuda] [--d_model --d_kv --heads --d_ff --layers --decoder_layers --vocab --variant
       (override sizes; bench/t5/bench.sh passes the sizes bench_t5 prints)]"""
import argparse
import statistics
import time

import torch
from transformers import T5Config, T5ForConditionalGeneration

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--B", type=int, default=64)
ap.add_argument("--S", type=int, default=9)
ap.add_argument("--T", type=int, default=10)
ap.add_argument("--steps", type=int, default=20)
ap.add_argument("--device", default="cpu")
ap.add_argument("--d_model", type=int, default=128)
ap.add_argument("--d_kv", type=int, default=32)
ap.add_argument("--heads", type=int, default=4)
ap.add_argument("--d_ff", type=int, default=256)
ap.add_argument("--layers", type=int, default=3)
ap.add_argument("--decoder_layers", type=int, default=0, help="0: as --layers")
ap.add_argument("--vocab", type=int, default=21 + 512)
ap.add_argument("--variant", default="v1_1")
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.manual_seed(0)
gated = a.variant == "v1_1"
cfg = T5Config(vocab_size=a.vocab, d_model=a.d_model, d_kv=a.d_kv, d_ff=a.d_ff, num_layers=a.layers,
               num_decoder_layers=a.decoder_layers or a.layers, num_heads=a.heads, dropout_rate=0.0,
               feed_forward_proj="gated-gelu" if gated else "relu", tie_word_embeddings=not gated,
               decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
model = T5ForConditionalGeneration(cfg)
if gated:  # transformers 5.x ties lm_head whatever the config says; v1.1 has its own head
    model.lm_head.weight = torch.nn.Parameter(model.shared.weight.detach().clone() * a.d_model ** -0.5)
    model.config.scale_decoder_outputs = False
model = model.to(a.device)
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
ids = torch.randint(21, a.vocab, (a.B, a.S), device=a.device)
labels = torch.randint(21, a.vocab, (a.B, a.T), device=a.device)


def sync():
    if a.device == "cuda":
        torch.cuda.synchronize()


times = []
model.train()
for i in range(a.steps + 3):
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = model(input_ids=ids, labels=labels).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sync()
    if i >= 3:
        times.append(time.perf_counter() - t0)
print(f"torch {torch.__version__} threads {torch.get_num_threads()} device {a.device}; "
      f"{sum(p.numel() for p in model.parameters())} params; batch {a.B}, S {a.S}, T {a.T}")
print(f"train step: median {1e3 * statistics.median(times):.2f} ms, best {1e3 * min(times):.2f} ms "
      f"over {a.steps} steps (loss {loss.item():.4f})")
model.eval()
prompt = torch.tensor([[3, 1]] * a.B, device=a.device)
best = 1e30
with torch.no_grad():
    for r in range(6):
        t0 = time.perf_counter()
        out = model.generate(input_ids=prompt, do_sample=True, max_new_tokens=a.T - 1, min_new_tokens=a.T - 1,
                             top_k=0, use_cache=True)
        sync()
        dt = time.perf_counter() - t0
        if r > 0:
            best = min(best, dt)
print(f"generate: {a.B} sequences x {a.T} tokens in {1e3 * best:.2f} ms (best of 5): {a.B / best:.0f} sequences/s")
