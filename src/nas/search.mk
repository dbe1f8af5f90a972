# src/nas/search.mk - generation metrics, uniform baselines, NAS search loops, and the
# SVG / HTML report writers, with the `archllm search` and `archllm baseline` commands.
libarchllm_core_la_SOURCES += \
	src/nas/hashset.c src/nas/hashset.h \
	src/nas/genmetrics.c src/nas/genmetrics.h \
	src/nas/baseline.c src/nas/baseline.h \
	src/nas/search.c src/nas/search.h \
	src/io/svg.c src/io/svg.h \
	src/io/report.c src/io/report.h
archllm_SOURCES += src/cli/cmd_search.c src/cli/cmd_baseline.c

# tests: metrics, baselines and writers; oracle and search loops; the two commands
check_PROGRAMS += tests/search/test_genmetrics tests/search/test_search
tests_search_test_genmetrics_SOURCES = tests/search/test_genmetrics.c
tests_search_test_genmetrics_LDADD = $(TEST_LIBS)
tests_search_test_search_SOURCES = tests/search/test_search.c tests/nas/nb101_record.h
tests_search_test_search_LDADD = $(TEST_LIBS)
TESTS += tests/search/test_genmetrics tests/search/test_search
CLEANFILES += test_genmetrics.json test_genmetrics.csv test_genmetrics.svg test_genmetrics.html \
	test_search_curves.csv test_search_runs.csv test_search_nb101.tfrecord
# test_search_methods: every method's budget accounting, driven by test_search_cli.sh (the
# model-free methods) and tests/pipeline/test_run.sh (the archllm methods on trained models)
check_PROGRAMS += tests/search/test_search_methods
tests_search_test_search_methods_LDADD = $(TEST_LIBS)
TESTS += tests/search/test_search_cli.sh tests/search/test_search_nb101.sh
EXTRA_DIST += tests/search/test_search_cli.sh tests/search/test_search_nb101.sh bench/search/compare.sh
