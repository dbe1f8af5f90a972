# src/pipeline/pipeline.mk - the Arch-LLM path on the trained models: generation and its
# metrics and baselines, the fill-mutation search method, and the `archllm generate` and
# `archllm run` commands; tests in tests/pipeline.
libarchllm_core_la_SOURCES += \
	src/pipeline/pipeline.h \
	src/pipeline/events.c src/pipeline/events.h src/pipeline/stage.h \
	src/pipeline/stage_encode.c src/pipeline/stage_generate.c \
	src/pipeline/code_lm.c src/pipeline/models.c \
	src/pipeline/generate.c \
	src/pipeline/search_archllm.c \
	src/pipeline/search_predictor.c
archllm_SOURCES += src/cli/cmd_generate.c src/cli/cmd_run.c

EXTRA_DIST += conf/nb201-default.cfg conf/nb101-default.cfg conf/nb101-full.cfg conf/nb201-full.cfg \
              conf/pipeline-tiny.cfg conf/darts-default.cfg bench/generate/lm_mass.py

# tests: the whole path on conf/pipeline-tiny.cfg (test_run.sh drives, test_pipeline_check checks)
check_PROGRAMS += tests/pipeline/test_pipeline_check
tests_pipeline_test_pipeline_check_SOURCES = tests/pipeline/test_pipeline_check.c
tests_pipeline_test_pipeline_check_LDADD = $(TEST_LIBS)
# the one fill layout with more masked runs than sentinels (prompts, the pipeline's fill)
check_PROGRAMS += tests/pipeline/test_fill
tests_pipeline_test_fill_SOURCES = tests/pipeline/test_fill.c
tests_pipeline_test_fill_LDADD = $(TEST_LIBS)
TESTS += tests/pipeline/test_fill
TESTS += tests/pipeline/test_run.sh tests/pipeline/test_spaces_run.sh
EXTRA_DIST += tests/pipeline/test_run.sh tests/pipeline/test_spaces_run.sh
