#!/usr/bin/env python3
"""vqvae_torch.py - the archllm VQ-VAE in PyTorch: an independent implementation of
src/model/vqvae.c (same parameters, names and (out, in) weight layout), used for

  fixture  write a one-step fixture (parameters, inputs, losses, codes, all gradients,
           the EMA-updated codebook) that tests/model/vqvae/test_vqvae_fixture checks the
           C model against:
             python3 bench/vqvae/vqvae_torch.py fixture tests/fixtures/vqvae
  train    train on a search space with the same batch size and thread count as
           `archllm train-vqvae`, printing graphs/s (bench/vqvae/bench.sh runs both):
             python3 bench/vqvae/vqvae_torch.py train --space nb201 --cells cells.jsonl \
                 --steps 200 --batch 256 --threads 2

Not a runtime dependency of archllm: only tests' fixture regeneration and the benchmark
use it.  Model (see src/model/vqvae.h):
  input row: op one-hot, position one-hot, zeros up to a multiple of 16
  GIN layer: a = (1+eps) h + (A + A^T) h; u = relu(fc1(a)); h' = fc2(u) (relu except last)
  z_e = proj(h) as C codes of D per node; nearest code; straight-through
  g1 = relu(dec.fc1(z_q) + pos); g2 = relu(dec.fc2(g1)); op = dec.op(g2); st = dec.adj(g2)
  adjacency logit(v<w): inner <s_v, t_w> + b0, or pair sum_a w2 relu(s_v + t_w + b1) + b0
  loss = CE(ops) + BCE(edges, real upper-triangular pairs) + [codebook +] beta * commitment
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class VQVAE(nn.Module):
    def __init__(self, N, Fo, L=4, H=128, D=16, C=1, K=512, A=64, adj_mode="inner", quantizer="ema",
                 beta=0.25, decay=0.99, threshold=0.01):
        super().__init__()
        self.N, self.F, self.L, self.H, self.D, self.C, self.K, self.A = N, Fo, L, H, D, C, K, A
        self.adj_mode, self.quantizer, self.beta, self.decay, self.threshold = adj_mode, quantizer, beta, decay, threshold
        self.eps = nn.ParameterList([nn.Parameter(torch.zeros(1)) for _ in range(L)])
        self.X = (Fo + N + 15) // 16 * 16  # input row zero-padded to a multiple of 16, as in C
        self.fc1 = nn.ModuleList([nn.Linear(self.X if l == 0 else H, H) for l in range(L)])
        self.fc2 = nn.ModuleList([nn.Linear(H, H) for _ in range(L)])
        self.proj = nn.Linear(H, C * D)
        self.codebook = nn.Parameter(torch.randn(K, D) / math.sqrt(D), requires_grad=(quantizer == "loss"))
        self.register_buffer("ema_count", torch.ones(K))
        self.register_buffer("ema_sum", self.codebook.detach().clone())
        self.pos = nn.Parameter((torch.rand(N, H) * 2 - 1) / math.sqrt(C * D))
        self.d1 = nn.Linear(C * D, H)
        self.d2 = nn.Linear(H, H)
        self.op = nn.Linear(H, Fo)
        self.adj = nn.Linear(H, 2 * A)
        self.adj_par = nn.Parameter((torch.rand(2 * A + 1) * 2 - 1) / math.sqrt(A))

    # names as in the C parameter table
    def named_tensors(self):
        t = {}
        for l in range(self.L):
            t[f"enc.{l}.eps"] = self.eps[l]
            t[f"enc.{l}.fc1.weight"], t[f"enc.{l}.fc1.bias"] = self.fc1[l].weight, self.fc1[l].bias
            t[f"enc.{l}.fc2.weight"], t[f"enc.{l}.fc2.bias"] = self.fc2[l].weight, self.fc2[l].bias
        t["enc.proj.weight"], t["enc.proj.bias"] = self.proj.weight, self.proj.bias
        t["vq.codebook"] = self.codebook
        t["vq.ema_count"], t["vq.ema_sum"] = self.ema_count, self.ema_sum
        t["dec.pos"] = self.pos
        t["dec.fc1.weight"], t["dec.fc1.bias"] = self.d1.weight, self.d1.bias
        t["dec.fc2.weight"], t["dec.fc2.bias"] = self.d2.weight, self.d2.bias
        t["dec.op.weight"], t["dec.op.bias"] = self.op.weight, self.op.bias
        t["dec.adj.weight"], t["dec.adj.bias"] = self.adj.weight, self.adj.bias
        t["dec.adj.par"] = self.adj_par
        return t

    def forward(self, x0, adj, tgt, mask):
        """x0 (B,N,X), adj (B,N,N), tgt (B,N,F) one-hot, mask (B,N).  Returns a dict."""
        B, N, C, D, A = x0.shape[0], self.N, self.C, self.D, self.A
        a_sym = adj + adj.transpose(1, 2)
        h = x0
        for l in range(self.L):
            a = (1 + self.eps[l]) * h + a_sym @ h
            u = F.relu(self.fc1[l](a))
            h = self.fc2[l](u)
            if l < self.L - 1:
                h = F.relu(h)
        z = self.proj(h).reshape(B, N * C, D)
        mq = mask.repeat_interleave(C, dim=1)                        # (B, N*C)
        cb = self.codebook
        with torch.no_grad():
            scores = (cb * cb).sum(1)[None, None, :] - 2 * z @ cb.t()
            idx = scores.argmin(-1)                                  # (B, N*C)
        e = cb[idx]
        nodes = mask.sum()
        denom = nodes * C * D
        commit = (((z - e.detach()) ** 2).sum(-1) * mq).sum() / denom
        vq = self.beta * commit
        if self.quantizer == "loss":
            vq = vq + (((z.detach() - e) ** 2).sum(-1) * mq).sum() / denom
        zq = z + (e - z).detach()
        g1 = F.relu(self.d1(zq.reshape(B, N, C * D)) + self.pos[None])
        g2 = F.relu(self.d2(g1))
        op_logits = self.op(g2)
        st = self.adj(g2)
        s, t = st[..., :A], st[..., A:]
        b1, w2, b0 = self.adj_par[:A], self.adj_par[A:2 * A], self.adj_par[2 * A]
        if self.adj_mode == "inner":
            logits = s @ t.transpose(1, 2) + b0
        else:
            logits = F.relu(s[:, :, None, :] + t[:, None, :, :] + b1) @ w2 + b0
        m = mask > 0
        loss_op = F.cross_entropy(op_logits[m], tgt.argmax(-1)[m])
        triu = torch.triu(torch.ones(N, N, dtype=torch.bool, device=x0.device), diagonal=1)
        pm = triu[None] & m[:, :, None] & m[:, None, :]
        loss_adj = F.binary_cross_entropy_with_logits(logits[pm], adj[pm])
        with torch.no_grad():
            ops_ok = (op_logits.argmax(-1) == tgt.argmax(-1)) | ~m
            adj_ok = ((logits > 0).float() == adj) | ~pm
            exact = (ops_ok.all(-1) & adj_ok.flatten(1).all(-1)).sum().item()
        return dict(loss=loss_op + loss_adj + vq, loss_op=loss_op, loss_adj=loss_adj, loss_vq=vq, idx=idx, z=z,
                    mq=mq, exact=exact)

    @torch.no_grad()
    def ema_update(self, z, idx, mq, restart_rows=None):
        """The C kernel's update (ref_vq_ema); restart_rows: (K,) rows of z, -1 for none."""
        K, D = self.K, self.D
        zf, idf, mf = z.reshape(-1, D), idx.reshape(-1), mq.reshape(-1)
        onehot = F.one_hot(idf, K).float() * mf[:, None]           # (M, K)
        n = onehot.sum(0)
        s = onehot.t() @ zf
        en = self.decay * self.ema_count + (1 - self.decay) * n
        es = self.decay * self.ema_sum + (1 - self.decay) * s
        if restart_rows is not None:
            dead = (en < self.threshold) & (restart_rows >= 0)
            en = torch.where(dead, torch.ones_like(en), en)
            es = torch.where(dead[:, None], zf[restart_rows.clamp(min=0)], es)
        self.ema_count.copy_(en)
        self.ema_sum.copy_(es)
        self.codebook.data.copy_(es / en.clamp(min=1e-6)[:, None])


# ---- safetensors writer (the format is 8 bytes of header length, JSON, raw data) -------

def save_safetensors(path, tensors, meta):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        dt = {torch.float32: "F32", torch.int32: "I32"}[t.dtype]
        b = t.numpy().tobytes()
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = meta
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


# ---- fixture -------------------------------------------------------------------------------

def random_batch(B, N, Fo, gen):
    """Random padded cells: input first, output last, upper-triangular edges."""
    x0 = torch.zeros(B, N, (Fo + N + 15) // 16 * 16)
    adj = torch.zeros(B, N, N)
    tgt = torch.zeros(B, N, Fo)
    mask = torch.zeros(B, N)
    for b in range(B):
        nv = int(torch.randint(3, N + 1, (1,), generator=gen))
        for v in range(nv):
            op = 0 if v == 0 else Fo - 1 if v == nv - 1 else int(torch.randint(1, Fo - 1, (1,), generator=gen))
            tgt[b, v, op] = 1
            x0[b, v, op] = 1
            x0[b, v, Fo + v] = 1
            mask[b, v] = 1
            for w in range(v + 1, nv):
                adj[b, v, w] = float(torch.rand(1, generator=gen) < 0.4)
    return x0, adj, tgt, mask


def write_fixture(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    configs = [  # name, adjacency decoder, quantizer
        ("pair_loss", "pair", "loss"),
        ("inner_ema", "inner", "ema"),
    ]
    for name, adj_mode, quantizer in configs:
        torch.manual_seed(1234)
        gen = torch.Generator().manual_seed(99)
        N, Fo, L, H, D, C, K, A, B = 7, 5, 2, 16, 4, 2, 8, 6, 6
        m = VQVAE(N, Fo, L, H, D, C, K, A, adj_mode, quantizer, beta=0.25, decay=0.9, threshold=0.0)
        with torch.no_grad():  # eps away from 0, so its gradient path is exercised
            for l in range(L):
                m.eps[l].fill_(0.1 * (l + 1))
        x0, adj, tgt, mask = random_batch(B, N, Fo, gen)
        out = m(x0, adj, tgt, mask)
        out["loss"].backward()
        t = {}
        for k, v in m.named_tensors().items():
            t["param." + k] = v.detach().clone()
            if isinstance(v, nn.Parameter) and v.grad is not None:
                t["grad." + k] = v.grad.detach().clone()
            elif isinstance(v, nn.Parameter):
                t["grad." + k] = torch.zeros_like(v)
        t["input.adj"], t["input.ops"], t["input.mask"] = adj, tgt, mask
        t["out.losses"] = torch.stack([out["loss"], out["loss_op"], out["loss_adj"], out["loss_vq"]]).detach()
        t["out.codes"] = out["idx"].reshape(-1).to(torch.int32)
        if quantizer == "ema":
            m.ema_update(out["z"], out["idx"], out["mq"])
            t["out.codebook_after_ema"] = m.codebook.detach().clone()
        meta = {"format": "archllm-vqvae-fixture 1", "adj_decoder": adj_mode, "quantizer": quantizer,
                "sizes": json.dumps(dict(N=N, F=Fo, L=L, H=H, D=D, C=C, K=K, A=A, B=B, beta=0.25, decay=0.9)),
                "generator": "bench/vqvae/vqvae_torch.py fixture", "torch": torch.__version__}
        path = os.path.join(out_dir, f"{name}.safetensors")
        save_safetensors(path, t, meta)
        print(f"wrote {path}: loss {out['loss'].item():.6f}")


# ---- training benchmark --------------------------------------------------------------------

NB101_OPS = ["input", "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3", "output"]
NB201_OPS = ["input", "none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3", "output"]


def load_cells(path, space):
    """`archllm dataset nb101|nb201` JSON Lines -> padded tensors."""
    names = NB201_OPS if space == "nb201" else NB101_OPS
    N, Fo = (8, 7) if space == "nb201" else (7, 5)
    col = {n: i for i, n in enumerate(names)}
    rows = [json.loads(l) for l in open(path) if l.strip()]
    n = len(rows)
    adj = torch.zeros(n, N, N)
    ops = torch.zeros(n, N, Fo)
    mask = torch.zeros(n, N)
    for i, r in enumerate(rows):
        a = torch.tensor(r["module_adjacency"], dtype=torch.float32)
        nv = a.shape[0]
        adj[i, :nv, :nv] = a
        for v, o in enumerate(r["module_operations"]):
            ops[i, v, col[o]] = 1
        mask[i, :nv] = 1
    pos = torch.eye(N)[None].expand(n, N, N) * mask[:, :, None]
    pad = torch.zeros(n, N, (Fo + N + 15) // 16 * 16 - Fo - N)
    x0 = torch.cat([ops, pos, pad], dim=-1)
    return x0, adj, ops, mask, N, Fo


def train(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    dev = torch.device(args.device)
    x0, adj, ops, mask, N, Fo = (t.to(dev) if torch.is_tensor(t) else t for t in load_cells(args.cells, args.space))
    n = x0.shape[0]
    m = VQVAE(N, Fo, args.layers, args.hidden, args.latent_dim, args.codes_per_node, args.codebook_size,
              args.adj_dim, args.adj_decoder, args.quantizer).to(dev)

    def sync():  # CUDA runs asynchronously: wait for the queued steps before reading the clock
        if dev.type == "cuda":
            torch.cuda.synchronize()
    opt = torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(args.seed)
    perm = torch.randperm(n, generator=g).to(dev)
    B = args.batch
    t0, done, t_first = None, 0, time.time()
    for step in range(args.steps):
        j = (step * B) % (n - B + 1)
        bi = perm[j:j + B]
        out = m(x0[bi], adj[bi], ops[bi], mask[bi])
        opt.zero_grad(set_to_none=True)
        out["loss"].backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
        if args.quantizer == "ema":
            K = m.K
            rows = out["mq"].reshape(-1).nonzero().reshape(-1)
            pick = rows[torch.randint(len(rows), (K,), generator=g).to(dev)]
            m.ema_update(out["z"], out["idx"], out["mq"], pick)
        if step == args.warmup - 1:
            sync()
            t0 = time.time()
        elif step >= args.warmup:
            done += B
        if (step + 1) % args.log_every == 0:
            print(f"step {step + 1}/{args.steps} | loss {out['loss'].item():.4f} | recon {100.0 * out['exact'] / B:.1f}%",
                  flush=True)
    sync()
    dt = time.time() - t0 if t0 else time.time() - t_first
    gps = done / dt if done else args.steps * B / dt
    print(f"pytorch {torch.__version__} {dev.type} threads {args.threads}: {gps:.0f} graphs/s "
          f"({args.steps - args.warmup} timed steps of {B})", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fixture")
    f.add_argument("out_dir")
    t = sub.add_parser("train")
    t.add_argument("--space", choices=["nb101", "nb201"], required=True)
    t.add_argument("--cells", required=True, help="JSONL from `archllm dataset SPACE`")
    t.add_argument("--steps", type=int, default=200)
    t.add_argument("--warmup", type=int, default=10, help="untimed first steps")
    t.add_argument("--batch", type=int, default=256)
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--device", default="cpu", help="torch device: cpu (default) or cuda")
    t.add_argument("--seed", type=int, default=1234)
    t.add_argument("--layers", type=int, default=4)
    t.add_argument("--hidden", type=int, default=128)
    t.add_argument("--latent-dim", type=int, default=16)
    t.add_argument("--codes-per-node", type=int, default=1)
    t.add_argument("--codebook-size", type=int, default=512)
    t.add_argument("--adj-dim", type=int, default=64)
    t.add_argument("--adj-decoder", choices=["inner", "pair"], default="inner")
    t.add_argument("--quantizer", choices=["ema", "loss"], default="ema")
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--log-every", type=int, default=50)
    a = ap.parse_args()
    if a.cmd == "fixture":
        write_fixture(a.out_dir)
    else:
        train(a)


if __name__ == "__main__":
    main()
