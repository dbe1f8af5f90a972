libarchllm_core_la_SOURCES += src/util/error.c src/util/error.h
libarchllm_core_la_SOURCES += src/util/rng.c src/util/rng.h
libarchllm_core_la_SOURCES += src/util/fileio.c src/util/fileio.h
libarchllm_core_la_SOURCES += src/util/lock.c src/util/lock.h
check_PROGRAMS += tests/util/test_fileio
tests_util_test_fileio_LDADD = $(TEST_LIBS)
TESTS += tests/util/test_fileio
