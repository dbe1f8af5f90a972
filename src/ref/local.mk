# src/ref: the plain-C reference of every op family (src/ops), the oracle of the op tests.
libarchllm_core_la_SOURCES += src/ref/ref.h \
	src/ref/elementwise.c src/ref/reduce.c src/ref/adamw.c \
	src/ref/vqvae_ref.h src/ref/graph.c src/ref/linear.c src/ref/quantize.c src/ref/recon.c \
	src/ref/t5_ref.h src/ref/embedding.c src/ref/rmsnorm.c src/ref/attention.c src/ref/xent.c \
	src/ref/dropout.c src/ref/transformer.c src/ref/ensemble.c
