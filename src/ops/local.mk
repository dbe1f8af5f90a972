# Op families: host launchers (src/ops), kernels (cl), plain-C references (src/ref).
libarchllm_core_la_SOURCES += src/ops/ops.h src/ops/common.h src/ops/elementwise.c src/ops/reduce.c \
	src/ops/adamw.c src/ref/ref.h src/ref/elementwise.c src/ref/reduce.c src/ref/adamw.c
CL_FAMILIES += elementwise reduce adamw
