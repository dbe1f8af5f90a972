libarchllm_core_la_SOURCES += src/util/error.c src/util/error.h
libarchllm_core_la_SOURCES += src/util/rng.c src/util/rng.h
libarchllm_core_la_SOURCES += src/util/fileio.c src/util/fileio.h
libarchllm_core_la_SOURCES += src/util/stats.c src/util/stats.h
check_PROGRAMS += tests/util/test_stats
tests_util_test_stats_LDADD = $(TEST_LIBS)
TESTS += tests/util/test_stats
