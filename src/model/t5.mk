# T5 model, its op families, tokenizers and commands (owned by the T5 work)
libarchllm_core_la_SOURCES += src/ops/t5_ops.h src/ops/embedding.c src/ops/rmsnorm.c src/ops/attention.c \
	src/ops/xent.c src/ops/dropout.c src/ops/transformer.c \
	src/ref/t5_ref.h src/ref/embedding.c src/ref/rmsnorm.c src/ref/attention.c src/ref/xent.c \
	src/ref/dropout.c src/ref/transformer.c
CL_FAMILIES += embedding rmsnorm attention xent dropout transformer
tests_test_ops_SOURCES += tests/ops/cases_t5.c
