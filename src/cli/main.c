/* main.c - `archllm`: the command table, help, version and dispatch. */
#include "config.h"
#include "cli/cli.h"
#include "ops/autotune.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "model/vqvae_run.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

const cli_command cli_commands[] = {
    {"devices", cmd_devices, "list OpenCL platforms and devices with their capabilities",
     "usage: archllm devices [--device SEL] [--config FILE.cfg] [--set key=value]\n"
     "\n"
     "Lists every OpenCL platform and device the ICD loader sees, with the \"P:D\" index\n"
     "to pass to --device, the device type, compute units, memory, work-group limit,\n"
     "fp64/fp16 support and driver version.  The device archllm would pick (with\n"
     "--device, ARCHLLM_DEVICE or the config's device.selector, else the first GPU, else\n"
     "the first CPU) is marked '*', and each device says whether it is tuned (with its\n"
     "tuning file, and which CLBlast kernels it tuned; see 'archllm help tune').\n"},
    {"tune", cmd_tune, "tune our kernels and CLBlast's on a device and store the winners",
     "usage: archllm tune [--device SEL] [--budget SECONDS] [--only kernels|clblast]\n"
     "                    [--dry-run] [--config FILE.cfg] [--set key=value]\n"
     "       archllm tune --show [--device SEL]\n"
     "\n"
     "First times each tunable of archllm's own kernels on the shapes the shipped configs\n"
     "use (nb201-default's VQ-VAE linear layers and T5 fused attention, a gradient-norm\n"
     "reduction, GEMMs up to t5-small's), most worth first: matmul_max (the largest GEMM\n"
     "the T5 runs on archllm's linear kernels rather than CLBlast, or all), linear_cols\n"
     "(columns of a block of the linear kernels' tiles), linear_tile (rows x blocks of a\n"
     "work-item's tile), linear_dw (weight gradients direct, or transposed onto the\n"
     "forward's kernel), linear_wg (their work-group), attn_shape (work-group edge x\n"
     "columns per work-item of the fused attention) and reduce_wg (work-group of\n"
     "reductions).  A candidate is accepted only when its output matches the default's\n"
     "within the op tests' tolerance, and wins only when 3% faster.\n"
     "Then CLBlast's GEMM parameters: CLBlast's own tuners (Xgemm, XgemmDirect, Copy,\n"
     "Pad, Transpose, Padtranspose) sample a few configurations each, and real GEMMs on\n"
     "the T5's, t5-small's and bench gemm's shapes are timed with CLBlast's own\n"
     "parameters, with the tuned ones all through the indirect kernel, and all through\n"
     "XgemmDirect.  A tuned kernel is kept only where that makes the shapes at least 3%\n"
     "faster, and the routing crossover (XGEMM_MIN_INDIRECT_SIZE) is the one that runs\n"
     "them fastest; the other kernels keep CLBlast's own.\n"
     "Prints a line per step (what, how long) and the tables, and writes the winners to\n"
     "the device's tuning file beside the program cache ($ARCHLLM_CACHE_DIR/tuning-\n"
     "<device>-<hash>.txt, or $ARCHLLM_TUNING_FILE), keyed by device and driver; every\n"
     "later run on that device uses them.  An untuned device runs on safe defaults and\n"
     "CLBlast's own parameters (ARCHLLM_TUNE=auto tunes it on first use).\n"
     "  --device SEL      OpenCL device (see 'archllm devices')\n"
     "  --budget SECONDS  the whole tuning's time (default 60): our kernels get the first\n"
     "                    half (the defaults are always measured), CLBlast the rest; a\n"
     "                    step that would not fit is skipped, and a larger budget samples\n"
     "                    more of CLBlast's configurations\n"
     "  --only kernels    tune our kernels alone, with the whole budget; CLBlast's\n"
     "                    parameters stay as the tuning file has them\n"
     "  --only clblast    tune CLBlast alone, with the whole budget; our kernels keep the\n"
     "                    tuning file's values (or the defaults, where it has none)\n"
     "  --dry-run         measure and print, write nothing\n"
     "  --show            print what a context on the device runs with: the tuning file,\n"
     "                    our tunables and CLBlast's parameters (stored or its own)\n"},
    {"bench", cmd_bench, "measure kernels and GEMMs on the selected device",
     "usage: archllm bench gemm [--config FILE.cfg] [--set key=value] [--device SEL]\n"
     "                          [--sizes N,N,...] [--repeat R] [--batched] [--openblas]\n"
     "                          [--threads T]\n"
     "\n"
     "gemm     SGEMM C = A*B (row-major, square n x n) on the selected device, through\n"
     "         CLBlast and through archllm's own linear kernels (what the T5 runs up to\n"
     "         the tuned matmul_max) on the same inputs; prints milliseconds (best of R)\n"
     "         and GFLOP/s of each for each size and how far their products differ (over\n"
     "         1e-4 of the largest |C|: an error).\n"
     "  --config     experiment config; its bench group gives the defaults below\n"
     "  --set        override one config key (repeatable), e.g. --set bench.repeat=3\n"
     "  --sizes      comma-separated sizes (bench.gemm_sizes; default 128,256,512,1024,2048)\n"
     "  --repeat     timed repetitions per size after one warm-up (bench.repeat; default 5)\n"
     "  --batched    also time a strided-batched SGEMM of 1000 64x64x64 products (bench.batched)\n"
     "  --openblas   run OpenBLAS cblas_sgemm on the same sizes beside them (if built in),\n"
     "               with its time over each's\n"
     "  --threads    OpenBLAS threads (default 2)\n"},
    {"config", cmd_config, "check an experiment config and print it with defaults filled in",
     "usage: archllm config [FILE.cfg] [--set key=value ...]\n"
     "       archllm config --keys\n"
     "\n"
     "Reads a libconfig experiment file (conf/default.cfg is the shipped one), applies\n"
     "the --set overrides in order, validates every key, and prints the complete\n"
     "configuration with defaults filled in, as a file that reads back the same.\n"
     "Without FILE it prints the defaults.  Errors are one line naming the place:\n"
     "  FILE:LINE: KEY: MESSAGE     (unknown key, wrong type, out of range)\n"
     "  FILE:LINE: syntax error\n"
     "  --set KEY=VALUE: KEY: MESSAGE\n"
     "and exit with status 2.  Every key is documented in conf/README.md.\n"
     "\n"
     "  --set key=value  override one key (strings unquoted, lists as 64,128 or [64,128])\n"
     "  --keys           print the key reference (the table in conf/README.md)\n"},
    {"dataset", cmd_dataset, "write a search space (nb101, nb201, darts, cells) as JSON Lines",
     "usage: archllm dataset nb101|nb201 [--out FILE] [--progress MODE]\n"
     "       archllm dataset darts [--samples N] [--seed S] [--out FILE] [--progress MODE]\n"
     "       archllm dataset cells --cells FILE.jsonl [--ops A,B,...] [--max-edges E] [--out FILE]\n"
     "                             [--progress MODE]\n"
     "\n"
     "Writes every cell of the space, one JSON object a line, with the nasbench field\n"
     "names: {\"hash\": ..., \"module_adjacency\": [[...]], \"module_operations\": [...]}.\n"
     "nb101   all 423,624 NAS-Bench-101 cells in the official enumeration order, each in\n"
     "        its canonical (first-seen) form; hash is the nasbench module hash.\n"
     "nb201   all 15,625 NAS-Bench-201 cells in official index order, as the 8-node\n"
     "        graph with ops on nodes; lines also carry \"index\" and \"arch_str\".\n"
     "darts   N distinct DARTS normal cells (default 100,000) drawn with seed S (default\n"
     "        1234), each in its canonical form as the 11-node graph (c_{k-2}, c_{k-1}, one\n"
     "        node per edge, output); lines also carry the DARTS \"genotype\" text.  No\n"
     "        FLOPs filter is applied (doc/darts.md).\n"
     "cells   the distinct valid cells of your own space (doc/cells.md): FILE's op names\n"
     "        (or --ops), at most E edges (0 = the most of a file cell); errors FILE:LINE.\n"
     "  --out FILE       write FILE (through FILE.tmp and a rename) instead of stdout\n"
     "  --progress MODE  auto (default: a bar on a terminal, else plain), plain (a line saying\n"
     "                   what is written), bar, or jsonl (one JSON object per event); on stderr\n"
     "                   when the cells go to stdout\n"},
    {"show", cmd_show, "print one cell (NB101 hash, NB201 index or arch string, DARTS genotype) as text or DOT",
     "usage: archllm show CELL [--dot] [--nb201-table FILE] [--nb101-data FILE]\n"
     "\n"
     "CELL is a 32-hex NAS-Bench-101 hash (an NB201 8-node hash also works), a\n"
     "NAS-Bench-201 index (0..15624) or an NB201 arch string such as\n"
     "'|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|',\n"
     "or a DARTS genotype \"Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5],\n"
     "reduce=[...], reduce_concat=[2, 3, 4, 5])\" (its normal cell, with the canonical form).\n"
     "Prints the graph and its accuracies when known.\n"
     "  --dot               Graphviz DOT instead of text (pipe to 'dot -Tsvg')\n"
     "  --nb201-table FILE  NB201 accuracy CSV (default: nb201_accuracy.csv in\n"
     "                      $ARCHLLM_DATA_DIR, else the installed data folder)\n"
     "  --nb101-data FILE   the official nasbench_only108.tfrecord or nasbench_full.tfrecord\n"
     "                      for NB101 mean validation/test accuracy at 108 epochs\n"},
    {"train-vqvae", cmd_train_vqvae, "train the VQ-VAE (GIN encoder, codebook, graph decoder) on a search space",
     "usage: archllm train-vqvae CONFIG.cfg [--set key=value] [--device SEL] [--resume] [--stop-after N]\n"
     "                           [--progress auto|plain|bar|jsonl]\n"
     "\n"
     "Trains on the cells of data.space (data.limit, data.train_fraction; the split is\n"
     "seeded by experiment.seed) with the model, quantizer and schedule of the vqvae group.\n"
     "Prints a line every vqvae.log_every steps:\n"
     "  step S/T | loss L | op . | adj . | vq . | recon R% | codes U/K | ppl P | lr | gnorm | graphs/s | ETA\n"
     "(recon: training graphs of the window reconstructed exactly; codes and ppl: usage of the\n"
     "window), a held-out evaluation every vqvae.eval_every steps, and writes into the\n"
     "experiment folder (experiment.output_dir, else out/<experiment.name>):\n"
     "  vqvae.safetensors     weights, AdamW moments, step and RNG state (atomic; every\n"
     "                        vqvae.checkpoint_every steps, at the end and on Ctrl-C)\n"
     "  vqvae-metrics.json    held-out exact reconstruction, op and edge accuracy, codebook\n"
     "                        usage and perplexity (also for a training sample), graphs/s\n"
     "Ctrl-C (SIGINT) or SIGTERM finishes the step, saves a checkpoint and exits with 130.\n"
     "\n"
     "  --resume        continue from the experiment's checkpoint (same batches, same next losses)\n"
     "  --stop-after N  stop after step N as Ctrl-C would, but exit 0 (for tests and scripts)\n"
     "  --set key=value override one config key (repeatable)\n"
     "  --device SEL    OpenCL device (see 'archllm devices')\n"},
    {"encode", cmd_encode, "write every cell's VQ-VAE code sequence as JSON Lines",
     "usage: archllm encode CONFIG.cfg [--checkpoint FILE] [--out FILE] [--progress MODE]\n"
     "                      [--set key=value] [--device SEL]\n"
     "\n"
     "Runs every cell of data.space (data.limit) through the trained encoder and quantizer:\n"
     "  {\"hash\": \"...\", \"index\": 12, \"split\": \"train\", \"codes\": [17, 402, ...]}\n"
     "index only for nb201; codes: vqvae.codes_per_node per real node, in node order;\n"
     "split: train or test (the held-out cells of train-vqvae's split).  Progress goes to\n"
     "stderr.\n"
     "  --checkpoint FILE  weights (default <experiment folder>/vqvae.safetensors)\n"
     "  --out FILE         write FILE atomically instead of stdout\n"
     "  --progress MODE    auto (a bar on a terminal, else plain lines), plain, bar or jsonl\n"},
    {"decode", cmd_decode, "turn VQ-VAE code sequences back into cells (JSON Lines, with validity)",
     "usage: archllm decode CONFIG.cfg [FILE] [--checkpoint FILE] [--out FILE] [--set key=value] [--device SEL]\n"
     "\n"
     "Reads JSON lines with a \"codes\" array (what 'archllm encode' writes) from FILE or\n"
     "stdin and decodes each through the trained decoder:\n"
     "  {\"codes\": [...], \"valid\": true, \"hash\": \"...\", \"module_adjacency\": [[...]],\n"
     "   \"module_operations\": [...]}   (nb201 lines add index and arch_str)\n"
     "valid: a legal cell of the space (nb101: nasbench's checks after pruning; nb201: the\n"
     "8-node form); hash and index only for valid cells.  Prints a count to stderr.\n"
     "  --checkpoint FILE  weights (default <experiment folder>/vqvae.safetensors)\n"
     "  --out FILE         write FILE atomically instead of stdout\n"},
    {"search", cmd_search, "NAS under a query budget: archllm-guided, archllm, bananas, evolution, random",
     "usage: archllm search --space nb201|nb101 [--method M[,M...]] [--dataset D[,D...]] [--queries Q]\n"
     "                      [--seeds N] [--seed S] [--population P] [--sample-size T] [--out DIR]\n"
     "                      [--nb201-table FILE] [--nb101-data FILE] [--progress MODE]\n"
     "                      [--config FILE.cfg] [--set key=value]\n"
     "\n"
     "Runs each method N times (seeds S, S+1, ..., S+N-1) with a budget of Q distinct\n"
     "benchmark queries (a cell queried again, in any isomorphic form, costs nothing; an\n"
     "invalid cell costs nothing).  A run selects the cell with the best validation\n"
     "accuracy it has seen; what is reported is that cell's test accuracy.  Prints mean\n"
     "+- std over seeds after Q queries and how many runs found the table's best-by-\n"
     "validation cell, then every method at 50, 100, 150 and 200 queries (up to Q)\n"
     "against evolution: the difference in mean test accuracy, its 95% interval and the\n"
     "p-value of Welch's t-test.  Writes into DIR:\n"
     "  search-SPACE-DATASET.csv           method,query,valid_mean,valid_std,test_mean,test_std\n"
     "  search-SPACE-DATASET-runs.csv      method,seed,queries,proposals,best_valid,test\n"
     "  search-SPACE-DATASET.svg           test accuracy vs queries, mean +- std band per method\n"
     "  search-SPACE-DATASET-summary.json  the by-budget comparison above (written last)\n"
     "\n"
     "  --space        nb201 (data/nb201_accuracy.csv) or nb101 (needs --nb101-data)\n"
     "  --method       comma-separated (default random,evolution):\n"
     "                 archllm-guided  the T5's proposals (fills of the best cells, a few\n"
     "                   from 'generate:') and single edits of the best cells, kept in a\n"
     "                   pool and ranked before every round of search.per_round queries\n"
     "                   by an ensemble of 10 MLPs fitted on the device to the validation\n"
     "                   accuracies so far, on the VQ-VAE's quantized latents; reads\n"
     "                   search.pool, search.proposals, search.mutations, search.explore,\n"
     "                   search.guided_initial (its first queries from 'generate:') and\n"
     "                   the archllm keys below but search.initial\n"
     "                 archllm  the paper's T5 fill mutation: the best cells so far, codes\n"
     "                   masked and filled by the T5, decoded, repeats skipped; reads\n"
     "                   search.top, search.initial, search.mask_rate, search.temperature\n"
     "                 (both load the trained VQ-VAE and T5 of --config's output folder)\n"
     "                 bananas  BANANAS-style: an ensemble of 5 MLPs on the adjacency\n"
     "                   encoding ranks 100 mutations of the 10 best cells by independent\n"
     "                   Thompson sampling, 10 queries a round after 10 random ones\n"
     "                 evolution  regularized evolution (Real et al. 2019)\n"
     "                 random  uniform over unqueried cells\n"
     "  --dataset      comma-separated, each searched in turn with the same setup (the\n"
     "                 models load once).  NB201: cifar10 (select by c10valid_xvalid_200, 200 epochs; report\n"
     "                 c10_oritest_200), cifar100 (select by c100_xvalid_12, 12 epochs; report\n"
     "                 c100_xtest_200_nats), imagenet16 (select by in16_xvalid_12, 12 epochs;\n"
     "                 report in16_xtest_200_nats); default cifar10.  NB101: cifar10 only\n"
     "                 (mean validation / test accuracy at 108 epochs)\n"
     "  --queries      budget of distinct queries per run (default search.queries: 100)\n"
     "  --seeds        runs per method (default search.seeds: 50)\n"
     "  --seed         first seed (default experiment.seed of the config)\n"
     "  --population   evolution population, the last P queried cells (default 20)\n"
     "  --sample-size  evolution tournament size (default 5)\n"
     "  --out          output folder (default the config's experiment output folder)\n"
     "  --nb201-table  NB201 accuracy CSV (default nb201_accuracy.csv in $ARCHLLM_DATA_DIR,\n"
     "                 else the installed data folder)\n"
     "  --nb101-data   the official nasbench_only108.tfrecord or nasbench_full.tfrecord\n"
     "  --progress     auto (default: a bar on a terminal, else plain), plain (a line per seed\n"
     "                 run: step S/T and its test %), bar, or jsonl (one JSON object per event)\n"},
    {"baseline", cmd_baseline, "generation metrics of cells sampled without a model (uniform baselines)",
     "usage: archllm baseline --space nb101|nb201 [--samples N[,N...]] [--seed S]\n"
     "                        [--train-fraction F | --split FILE] [--out DIR]\n"
     "                        [--config FILE.cfg] [--set key=value]\n"
     "\n"
     "Samples N cells with each baseline and prints the metrics that `archllm generate`\n"
     "reports: validity (valid / N), uniqueness (distinct valid / valid), novelty (distinct\n"
     "valid not in the training split / distinct valid), valid+unique (distinct valid / N),\n"
     "valid+unique+novel (/ N) and the iid limit S(1 - e^(-N/S)) / N for a space of S cells.\n"
     "Cells are told apart by the nasbench hash (NB101: of the pruned cell).\n"
     "  uniform-space  iid uniform over the space: the 423,624 NB101 cells or the 15,625\n"
     "                 NB201 cells (always valid)\n"
     "  random-graph   NB101 only: 7 vertices, each upper-triangular edge present with\n"
     "                 probability 1/2, each interior op uniform over the 3 ops (may be invalid)\n"
     "Writes DIR/baseline-SPACE.json and DIR/baseline-SPACE.csv.\n"
     "\n"
     "  --samples         comma-separated sample counts (default 1000,10000)\n"
     "  --seed            sampling and split seed (default experiment.seed of the config)\n"
     "  --train-fraction  training share of a seeded split of the space (default 0.9)\n"
     "  --split FILE      a saved split (archllm-split format) instead\n"
     "  --out             output folder (default the config's experiment output folder)\n"},
    {"train-lm", cmd_train_lm, "train the T5 on generate/fill prompts of the VQ-VAE's code sequences",
     "usage: archllm train-lm CONFIG.cfg [--set key=value] [--device SEL] [--init HF_FOLDER]\n"
     "                        [--resume] [--stop-after N] [--progress auto|plain|bar|jsonl]\n"
     "\n"
     "Reads code sequences from lm.data (JSON Lines, {\"codes\": [..]} per line as written by\n"
     "`archllm encode`; lines with \"split\": \"test\" are skipped; \"\" means\n"
     "<output dir>/codes.jsonl), holds out lm.eval_fraction of them, and trains a T5 on\n"
     "'generate:' and 'fill:' prompts (lm.tasks, lm.mask_rate) over the built-in code\n"
     "vocabulary: from scratch with lm.variant and the lm sizes, or from --init (lm.init),\n"
     "a Hugging Face T5 folder: with a tokenizer.json beside it (a pretrained SentencePiece\n"
     "vocabulary) the prompts are text with the codes as decimal numbers, else the folder\n"
     "must use the built-in vocabulary.  AdamW with warm-up and cosine decay; dropout\n"
     "lm.dropout (from scratch) or the folder's dropout_rate.\n"
     "Prints a line every lm.log_every steps:\n"
     "  step S/T | loss L | lr | gnorm | ms/step | tokens/s | ETA\n"
     "and the held-out loss every lm.eval_every steps.  Writes the checkpoint\n"
     "<output dir>/t5-checkpoint.safetensors (weights, AdamW moments, RNG state; atomic)\n"
     "every lm.checkpoint_every steps, on Ctrl-C and at the end, and the final model as the\n"
     "Hugging Face folder <output dir>/t5 (config.json + model.safetensors).\n"
     "  --init DIR       start from this Hugging Face folder instead of from scratch\n"
     "  --resume         continue from the checkpoint exactly (same batches, same numbers)\n"
     "  --stop-after N   stop after step N with a checkpoint (for tests)\n"},
    {"lm-logits", cmd_lm_logits, "logits and loss of a Hugging Face T5 folder for given token ids",
     "usage: archllm lm-logits HF_FOLDER --enc IDS (--dec IDS | --labels IDS) [--labels IDS]\n"
     "                         [--mask IDS] [--out FILE.npy] [--device SEL]\n"
     "\n"
     "Loads a Hugging Face T5 folder (config.json + model.safetensors, F32/F16/BF16), runs\n"
     "encoder and decoder on the ids and writes the logits (B, T, V) as float32 .npy\n"
     "(default logits.npy).  With --labels it prints the loss as transformers computes it\n"
     "(token mean, -100 ignored); without --dec the decoder input is the labels shifted\n"
     "right.  IDS: comma-separated ids, sequences separated by ';', e.g. '5,6,1;7,8,1'.\n"
     "  --mask IDS   encoder attention mask (1 token, 0 padding), shaped like --enc\n"},
    {"sample", cmd_sample, "generate code sequences with a trained T5 (KV cache, temperature, top-k/p)",
     "usage: archllm sample CONFIG.cfg [--set key=value] [--device SEL] [--model DIR]\n"
     "                      [--fill CODES] [--length L] [--batch B] [--out FILE]\n"
     "\n"
     "Loads the T5 that train-lm wrote (<output dir>/t5, or --model DIR) and decodes in\n"
     "batches of B (default 64) with a key/value cache, lm.temperature (0 = greedy),\n"
     "lm.top_k, lm.top_p, seeded by experiment.seed.  Prints lm.samples JSON lines\n"
     "{\"codes\": [..]} (or writes FILE atomically) and the speed on stderr.\n"
     "Without --fill the prompt is 'generate:'; with lm.constrained every sample has\n"
     "exactly L code tokens (--length, else the most common length in lm.data), then </s>.\n"
     "  --fill CODES  complete a partial sequence: '3,_,_,7,_' masks the '_' positions as\n"
     "                sentinel spans (at most 16 runs of '_'); prints the completed sequences\n"},
    {"generate", cmd_generate, "sample architectures with the trained T5 + VQ-VAE and measure them (+ baselines)",
     "usage: archllm generate CONFIG.cfg [--samples N] [--temperature T] [--top-k K] [--top-p P]\n"
     "                        [--unique] [--max-samples M] [--sweep T1,T2,...] [--batch B]\n"
     "                        [--no-baselines] [--out DIR] [--progress MODE] [--device SEL]\n"
     "                        [--set key=value]\n"
     "\n"
     "Samples N code sequences (generate.samples, default 10000) from the experiment's\n"
     "trained T5 (<output dir>/t5) with the 'generate:' prompt, constrained to code tokens\n"
     "of the most common training length, in batches of B (generate.batch) with a KV cache,\n"
     "at temperature T (lm.temperature), top-k (lm.top_k) and top-p (lm.top_p), seeded by\n"
     "experiment.seed; decodes them with the VQ-VAE (<output dir>/vqvae.safetensors) and\n"
     "measures validity (valid / N), uniqueness (distinct valid / valid), novelty (distinct\n"
     "valid not in the VQ-VAE's training split / distinct valid) and the absolute forms\n"
     "valid+unique / N and valid+unique+novel / N, at N = 1,000 and 10,000 (prefixes of the\n"
     "run) and at N, beside the baselines (generate.baselines): uniform-space (cells drawn\n"
     "uniformly from the space) and continuous-latent (Gaussian latents with the training\n"
     "split's per-coordinate mean and std of the encoder's pre-quantization latents, decoded\n"
     "by the same trained decoder without quantization: an arch2vec-style sample through our\n"
     "decoder family, not arch2vec itself).  Writes into DIR (default <output dir>/generate):\n"
     "  samples.jsonl   one cell a line with \"valid\" (nasbench fields for valid cells)\n"
     "  metrics.json    the records (archllm_genmetrics_save_json), metrics.csv the same\n"
     "  timing.json     seconds to sample and decode the N cells\n"
     "  sweep.csv, sweep.svg  with --sweep (or generate.sweep): metrics against temperature\n"
     "  --unique        sample until N distinct valid cells exist (or M draws, --max-samples,\n"
     "                  default 50 N); every draw counts in the metrics\n"
     "  --no-baselines  only the model's samples\n"
     "  --progress MODE auto (a bar on a terminal, else plain lines), plain, bar or jsonl\n"},
    {"run", cmd_run, "the whole path: dataset, VQ-VAE, encode, T5, generate, search, report",
     "usage: archllm run CONFIG.cfg [--set key=value] [--device SEL] [--stages S,S,...] [--plain]\n"
     "                   [--progress auto|plain|bar|jsonl] [--redo]\n"
     "\n"
     "Runs the stages of run.stages (or --stages) in order, each writing into the\n"
     "experiment's output folder and skipped when its final artefact exists:\n"
     "  dataset   dataset.jsonl              (archllm dataset)\n"
     "  vqvae     vqvae-metrics.json         (archllm train-vqvae --resume)\n"
     "  encode    codes.jsonl or lm.data     (archllm encode)\n"
     "  lm        t5/model.safetensors       (archllm train-lm --resume)\n"
     "  generate  generate/metrics.json      (archllm generate)\n"
     "  search    search-nb201-DATASET-summary.json (archllm search --method search.methods for each\n"
     "            of search.datasets, search.queries queries, search.seeds seeds; NB201 only)\n"
     "The config the artefacts were made with is kept in run.cfg.  When a key that made\n"
     "existing results has changed since (logging and checkpoint intervals, names and\n"
     "search.datasets aside), run stops and names it; --redo moves the results of the\n"
     "first stage the key feeds, and of every later one, into superseded-TIME/ (nothing\n"
     "is deleted) and redoes those stages.  An interrupted training stage resumes from\n"
     "its checkpoint on the next run.  Each stage's events go to logs/STAGE.log; on a\n"
     "terminal a progress bar with ETA is shown, otherwise (or with --plain) a line with\n"
     "the step and ETA every 10 seconds; --progress=jsonl gives every event as JSON.\n"
     "At the end a summary table is printed and index.html (self-contained: tables and\n"
     "inline SVG plots) is written.\n"
     "A failing stage stops the run with its error, the tail of its log and exit status\n"
     "1 (2 for a configuration error, 130 when interrupted).\n"
     "run and the stage commands that write into the folder lock it (.archllm.lock, which\n"
     "records pid and command): a second one on the same folder exits 2 naming the first.\n"},
    {"help", cmd_help, "show help for a command",
     "usage: archllm help [COMMAND]\n"},
    {"version", cmd_version, "print the version",
     "usage: archllm version   (or archllm --version)\n"},
};
const int cli_command_count = (int)(sizeof cli_commands / sizeof cli_commands[0]);

static const char *global_help =
    "archllm - Arch-LLM in C and OpenCL: discrete codes for neural-architecture cells\n"
    "(VQ-VAE) and a T5 model that generates them, on any OpenCL device.\n"
    "\n"
    "usage: archllm <command> [options]\n"
    "       archllm help <command>\n"
    "       archllm --version\n";

static const char *env_help =
    "\n"
    "environment:\n"
    "  ARCHLLM_DEVICE     device selector: \"P:D\" indexes or a name substring\n"
    "  ARCHLLM_CL_DIR     read kernel sources from this folder instead of the built-in copy\n"
    "  ARCHLLM_CACHE_DIR  folder for compiled OpenCL programs (default ~/.cache/archllm)\n"
    "  ARCHLLM_NO_CACHE   set to 1 to neither read nor write the program cache\n"
    "\n"
    "exit status: 0 success, 1 runtime failure, 2 usage or configuration error\n";

const cli_command *cli_find_command(const char *name)
{
    for (int i = 0; i < cli_command_count; i++)
        if (strcmp(cli_commands[i].name, name) == 0) return &cli_commands[i];
    return NULL;
}

int cli_find_data_file(char *out, size_t cap, const char *option, const char *name)
{
    if (option) {
        snprintf(out, cap, "%s", option);
        return 1;
    }
    return archllm_find_data_file(out, cap, name);
}

int cli_is_help(const char *s) { return strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0; }

int cli_error(int code, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("archllm: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int cli_status(archllm_status s, const char *what)
{
    const char *detail = archllm_last_error();
    int code = (s == ARCHLLM_EINVAL || s == ARCHLLM_ECONFIG || s == ARCHLLM_EBUSY) ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
    if (detail[0])
        return cli_error(code, "%s: %s", what, detail);
    return cli_error(code, "%s: %s", what, archllm_status_string(s));
}

/* The command line as typed, recorded in the output folder's lock for the next comer. */
static char command_line[1024];

static void set_command_line(int argc, char **argv)
{
    size_t n = 0;
    for (int i = 0; i < argc && n + 1 < sizeof command_line; i++) {
        int w = snprintf(command_line + n, sizeof command_line - n, "%s%s", i ? " " : "",
                         i ? argv[i] : "archllm");
        if (w < 0) break;
        n += (size_t)w;
    }
}

const char *cli_command_line(void) { return command_line; }

int cli_lock_output(const char *dir, const char *what)
{
    archllm_dirlock *lock;
    archllm_status s = archllm_dirlock_acquire(&lock, dir, command_line);
    /* held until exit, when the kernel drops it */
    return s == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(s, what);
}

static volatile sig_atomic_t stop_flag;
/* lock-free (checked at build time below), so the handler may read it */
static _Atomic(archllm_experiment *) stop_experiment;
_Static_assert(ATOMIC_POINTER_LOCK_FREE == 2, "the signal handler reads an atomic pointer");

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
    archllm_experiment *e = atomic_load(&stop_experiment);
    if (e) archllm_experiment_stop(e);
}

const volatile sig_atomic_t *cli_catch_stop(void)
{
    stop_flag = 0;
    signal(SIGINT, on_stop_signal);
    signal(SIGTERM, on_stop_signal);
    return &stop_flag;
}

void cli_catch_stop_of(archllm_experiment *e)
{
    atomic_store(&stop_experiment, e);
    cli_catch_stop();
}

void cli_release_stop(void)
{
    atomic_store(&stop_experiment, NULL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

int cli_stage_exit(archllm_status s, const char *what)
{
    if (s == ARCHLLM_OK) return CLI_EXIT_OK;
    if (s == ARCHLLM_EINTERRUPTED) return stop_flag ? 130 : CLI_EXIT_OK;
    return cli_status(s, what);
}

int cli_usage(const char *name, int code)
{
    const cli_command *c = cli_find_command(name);
    if (!c) return cli_error(CLI_EXIT_USAGE, "unknown command '%s' (see 'archllm help')", name);
    if (code == CLI_EXIT_OK) {
        fputs(c->usage, stdout);
    } else {
        fputs(c->usage, stderr);
        fprintf(stderr, "(see 'archllm help %s')\n", name);
    }
    return code;
}

const char *cli_device_selector(const char *option, const archllm_config *cfg)
{
    return archllm_config_device_selector(cfg, option, getenv("ARCHLLM_DEVICE"));
}

int cli_open_ctx(archllm_ctx_t **ctx, const char *option, const archllm_config *cfg)
{
    archllm_status s = archllm_ctx_init(ctx, cli_device_selector(option, cfg));
    if (s == ARCHLLM_ENOTFOUND)
        return cli_error(CLI_EXIT_USAGE, "%s", archllm_last_error());
    if (s != ARCHLLM_OK) return cli_status(s, "opening the OpenCL device");
    archllm_autotune_auto(*ctx);
    return CLI_EXIT_OK;
}

int cli_config_option(cli_config_opts *o, int opt, const char *arg)
{
    if (opt == CLI_OPT_CONFIG) {
        o->path = arg;
        return 1;
    }
    if (opt == CLI_OPT_SET) {
        if (o->nsets == (int)(sizeof o->sets / sizeof o->sets[0])) {
            cli_error(CLI_EXIT_USAGE, "--set: at most %d overrides", o->nsets);
            return -1;
        }
        o->sets[o->nsets++] = arg;
        return 1;
    }
    return 0;
}

int cli_stage_option(cli_config_opts *co, cli_progress_mode *mode, int opt, const char *arg)
{
    if (opt == CLI_OPT_PROGRESS) return cli_progress_parse(arg, mode) ? -1 : 1;
    return cli_config_option(co, opt, arg);
}

int cli_config_positional(cli_config_opts *o, int argc, char **argv, const char *cmd)
{
    if (optind < argc && !o->path) o->path = argv[optind++];
    if (optind < argc) return cli_error(CLI_EXIT_USAGE, "%s: unexpected argument '%s'", cmd, argv[optind]);
    if (!o->path) return cli_error(CLI_EXIT_USAGE, "%s: name a config (see 'archllm help %s')", cmd, cmd);
    return CLI_EXIT_OK;
}

int cli_config_load(archllm_config *cfg, const cli_config_opts *o)
{
    archllm_status s = archllm_config_setup(cfg, o->path, o->sets, o->nsets);
    if (s == ARCHLLM_OK) {
        /* a user's space sizes the models: read it now; its errors read FILE:LINE: message */
        s = archllm_vqvae_space_load(cfg, NULL, NULL);
        if (s == ARCHLLM_OK) return CLI_EXIT_OK;
        if (s == ARCHLLM_EFORMAT || s == ARCHLLM_ECONFIG) return cli_error(CLI_EXIT_USAGE, "%s", archllm_last_error());
        return cli_status(s, "data.cells");
    }
    if (s == ARCHLLM_ECONFIG) return cli_error(CLI_EXIT_USAGE, "%s", archllm_last_error());
    return cli_status(s, "reading the config");
}

static int cmd_help(int argc, char **argv)
{
    if (argc >= 2) return cli_usage(argv[1], CLI_EXIT_OK);
    fputs(global_help, stdout);
    fputs("\ncommands:\n", stdout);
    for (int i = 0; i < cli_command_count; i++)
        printf("  %-12s %s\n", cli_commands[i].name, cli_commands[i].summary);
    fputs(env_help, stdout);
    return CLI_EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
    printf("archllm %s\n", archllm_version());
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        fputs(global_help, stderr);
        fputs("(run 'archllm help' for the commands)\n", stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    set_command_line(argc, argv);
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) return cmd_version(0, NULL);
    if (cli_is_help(name)) return cmd_help(1, argv + 1);
    const cli_command *c = cli_find_command(name);
    if (!c) return cli_error(CLI_EXIT_USAGE, "unknown command '%s' (see 'archllm help')", name);
    if (argc >= 3 && cli_is_help(argv[2])) return cli_usage(name, CLI_EXIT_OK);
    return c->run(argc - 1, argv + 1);
}
