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
