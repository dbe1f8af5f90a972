# src/io: the config engine (libconfig files against a schema) and the experiment config's
# schema, later safetensors and writers.
libarchllm_core_la_SOURCES += src/io/cfg_engine.c src/io/cfg_engine.h src/io/experiment.c src/io/experiment.h

# The shipped experiment configs and their key reference, installed beside the data.
confdir = $(pkgdatadir)/conf
dist_conf_DATA = conf/default.cfg conf/README.md

check_PROGRAMS += tests/io/test_config
tests_io_test_config_SOURCES = tests/io/test_config.c
tests_io_test_config_LDADD = $(TEST_LIBS)
# test_config_cli.sh runs the built ./archllm on each bad fixture (executable, #!/bin/sh).
TESTS += tests/io/test_config tests/io/test_config_cli.sh
EXTRA_DIST += tests/io/test_config_cli.sh \
	tests/io/good.cfg tests/io/bad_syntax.cfg tests/io/unknown_key.cfg \
	tests/io/unknown_group.cfg tests/io/wrong_type.cfg tests/io/out_of_range.cfg \
	tests/io/bad_list.cfg tests/io/wrapped_int.cfg tests/io/float_schema.cfg
CLEANFILES += test_config_roundtrip.cfg test_config_schema_roundtrip.cfg

# safetensors (checkpoints, Hugging Face weights)
libarchllm_core_la_SOURCES += src/io/safetensors.c src/io/safetensors.h
check_PROGRAMS += tests/io/test_safetensors
tests_io_test_safetensors_LDADD = $(TEST_LIBS)
TESTS += tests/io/test_safetensors
