# src/search: generation metrics (validity, uniqueness, novelty) and the uniform baselines a
# generator must beat; the benchmark oracle, the search loop with its budget accounting and
# the model-free methods (random search, regularized evolution).
libarchllm_core_la_SOURCES += \
	src/search/genmetrics.c src/search/genmetrics.h \
	src/search/baseline.c src/search/baseline.h \
	src/search/search.c src/search/search.h
