# src/ops: the host launcher of every op family.  Each family's kernels are cl/<family>.cl
# (CL_FAMILIES, embedded in this order after common by src/backend/local.mk), its plain-C
# reference is src/ref/<family>.c and its test cases tests/ops/cases_*.c.
libarchllm_core_la_SOURCES += src/ops/ops.h src/ops/common.h \
	src/ops/elementwise.c src/ops/reduce.c src/ops/adamw.c \
	src/ops/vqvae_ops.h src/ops/graph.c src/ops/linear.c src/ops/quantize.c src/ops/recon.c \
	src/ops/t5_ops.h src/ops/embedding.c src/ops/rmsnorm.c src/ops/attention.c src/ops/xent.c \
	src/ops/dropout.c src/ops/transformer.c src/ops/ensemble.c \
	src/ops/autotune.h src/ops/autotune.c src/ops/autotune_clblast.c
# basic; the VQ-VAE's (graph convolution, vector quantization, reconstruction losses); the T5's; the search surrogate
CL_FAMILIES += elementwise reduce adamw \
	graph linear quantize recon \
	embedding rmsnorm attention xent dropout transformer \
	ensemble
