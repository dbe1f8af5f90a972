#!/usr/bin/env python3
"""linear_torch.py - PyTorch's side of bench/linear/bench.sh: the three products of one
linear layer y = x W^T (forward, dx = dy W, dW = dy^T x) at (M, N, K), float32 on the CPU,
best of R timed runs after warm-up, printed as "fwd|dx|dw MS GFLOPS" lines in the format of
tests/test_ops --perf.  --stream S times S calls in a row per run and prints a call's share
(as tests/test_ops --perf --stream S).

usage: linear_torch.py --M 1792 --N 128 --K 128 [--threads 2] [--reps 20] [--stream S]
"""
import argparse
import time

import torch


def best_ms(fn, reps, calls):
    for _ in range(3):
        fn()
    best = 1e30
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - t0) / calls)
    return best * 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--M", type=int, default=1792)
    ap.add_argument("--N", type=int, default=128)
    ap.add_argument("--K", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--stream", type=int, default=1, help="calls in a row per timed run")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(a.M, a.K, generator=g) - 0.5
    w = torch.rand(a.N, a.K, generator=g) - 0.5
    dy = torch.rand(a.M, a.N, generator=g) - 0.5
    flops = 2.0 * a.M * a.N * a.K
    with torch.no_grad():
        for name, fn in (("fwd", lambda: torch.nn.functional.linear(x, w)), ("dx", lambda: dy @ w),
                         ("dw", lambda: dy.t() @ x)):
            ms = best_ms(fn, a.reps, max(a.stream, 1))
            print(f"{name} {ms:.3f} {flops / ms * 1e-6:.2f}")


if __name__ == "__main__":
    main()
