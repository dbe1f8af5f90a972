# src/pipeline: the Arch-LLM path on the trained models: generation and its metrics and
# baselines, the search methods built on the models, the stages as library calls and the
# experiment behind the public archllm_experiment_* API (`archllm run`).
libarchllm_core_la_SOURCES += \
	src/pipeline/pipeline.h \
	src/pipeline/stage.h src/pipeline/stage_vqvae.c src/pipeline/stage_lm.c \
	src/pipeline/experiment.c src/pipeline/experiment.h src/pipeline/report.c \
	src/pipeline/stage_dataset.c src/pipeline/stage_search.c \
	src/pipeline/stage_encode.c src/pipeline/stage_generate.c src/pipeline/code_lm.c \
	src/pipeline/models.c \
	src/pipeline/generate.c \
	src/pipeline/search_archllm.c \
	src/pipeline/search_predictor.c
