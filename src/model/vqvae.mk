# VQ-VAE model, its op families and commands (owned by the VQ-VAE work)
# Op families: graph convolution, vector quantization, reconstruction losses.
libarchllm_core_la_SOURCES += src/ops/vqvae_ops.h src/ops/graph.c src/ops/quantize.c src/ops/recon.c \
	src/ref/vqvae_ref.h src/ref/graph.c src/ref/quantize.c src/ref/recon.c
CL_FAMILIES += graph quantize recon
tests_test_ops_SOURCES += tests/ops/cases_graph.c tests/ops/cases_quantize.c tests/ops/cases_recon.c
