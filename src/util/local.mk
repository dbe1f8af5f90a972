# src/util: errors, the clock, the RNG, file I/O, locks, statistics.
libarchllm_core_la_SOURCES += src/util/error.c src/util/error.h
libarchllm_core_la_SOURCES += src/util/clock.c src/util/clock.h
libarchllm_core_la_SOURCES += src/util/events.c src/util/events.h
libarchllm_core_la_SOURCES += src/util/rng.c src/util/rng.h
libarchllm_core_la_SOURCES += src/util/fileio.c src/util/fileio.h
libarchllm_core_la_SOURCES += src/util/lock.c src/util/lock.h
libarchllm_core_la_SOURCES += src/util/stats.c src/util/stats.h
