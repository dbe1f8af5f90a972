# Training: the parameter table with flat buffers, AdamW steps, checkpoints.
libarchllm_core_la_SOURCES += src/train/params.c src/train/params.h
check_PROGRAMS += tests/train/test_params
tests_train_test_params_LDADD = $(TEST_LIBS)
TESTS += tests/train/test_params
