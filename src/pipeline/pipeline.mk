# src/pipeline/pipeline.mk - the Arch-LLM path on the trained models: generation and its
# metrics and baselines, the fill-mutation search method, and the `archllm generate` and
# `archllm run` commands; tests in tests/pipeline.
libarchllm_core_la_SOURCES += \
	src/pipeline/pipeline.h \
	src/pipeline/models.c \
	src/pipeline/generate.c \
	src/pipeline/search_archllm.c
archllm_SOURCES += src/cli/cmd_generate.c src/cli/cmd_run.c

EXTRA_DIST += conf/nb201-default.cfg conf/nb101-full.cfg conf/nb201-full.cfg conf/pipeline-tiny.cfg

# tests: the whole path on conf/pipeline-tiny.cfg (test_run.sh drives, check_pipeline checks)
check_PROGRAMS += tests/pipeline/check_pipeline
tests_pipeline_check_pipeline_SOURCES = tests/pipeline/check_pipeline.c
tests_pipeline_check_pipeline_LDADD = $(TEST_LIBS)
TESTS += tests/pipeline/test_run.sh
EXTRA_DIST += tests/pipeline/test_run.sh
