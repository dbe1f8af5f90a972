# src/model: models shared by several parts (the VQ-VAE and the T5 have vqvae.mk and t5.mk).
# The MLP-ensemble surrogate that the predictor-guided search methods train on the device.
libarchllm_core_la_SOURCES += src/model/ensemble.c src/model/ensemble.h
check_PROGRAMS += tests/model/test_ensemble
tests_model_test_ensemble_LDADD = $(TEST_LIBS)
TESTS += tests/model/test_ensemble
