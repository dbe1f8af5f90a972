libarchllm_core_la_SOURCES += src/util/error.c src/util/error.h
libarchllm_core_la_SOURCES += src/util/rng.c src/util/rng.h
libarchllm_core_la_SOURCES += src/util/fileio.c src/util/fileio.h
