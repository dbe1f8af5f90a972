libarchllm_core_la_SOURCES += src/util/error.c src/util/error.h
