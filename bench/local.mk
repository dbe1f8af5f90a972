# bench/local.mk - benchmarks (not run by make check; BENCHMARKS.md has the results and how
# each was run): the VQ-VAE and the T5 against PyTorch, the search comparison, the
# generation's probability mass, the GPU run; tests/test_bench_scripts.sh checks the scripts parse.
# bench/machine.sh: the machine line and verdict every bench script prints (sourced)
EXTRA_DIST += bench/machine.sh
# bench/gpu-prepare.sh (on the build machine) and bench/gpu.sh (on a lent NVIDIA machine)
EXTRA_DIST += bench/gpu-prepare.sh bench/gpu.sh
EXTRA_DIST += bench/vqvae/vqvae_torch.py bench/vqvae/bench.sh
# bench/linear: cl/linear.cl against PyTorch at the VQ-VAE's layer shape (uses tests/test_ops --perf)
EXTRA_DIST += bench/linear/bench.sh bench/linear/linear_torch.py
# bench/t5 (built by make check, not run as a test): `make bench/t5/bench_t5`, then compare with bench/t5/bench_torch.py (BENCHMARKS.md)
check_PROGRAMS += bench/t5/bench_t5
bench_t5_bench_t5_SOURCES = bench/t5/bench_t5.c
bench_t5_bench_t5_LDADD = $(TEST_LIBS)
EXTRA_DIST += bench/t5/bench_torch.py bench/t5/bench.sh bench/t5/t5-small.cfg
EXTRA_DIST += bench/search/compare.sh
EXTRA_DIST += bench/generate/lm_mass.py
