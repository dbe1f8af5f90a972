# src/io: the config engine (libconfig files against a schema) and the experiment config's
# schema, safetensors (checkpoints, Hugging Face weights), the SVG and HTML report writers.
libarchllm_core_la_SOURCES += src/io/cfg_engine.c src/io/cfg_engine.h src/io/experiment.c src/io/experiment.h
libarchllm_core_la_SOURCES += src/io/safetensors.c src/io/safetensors.h
libarchllm_core_la_SOURCES += src/io/svg.c src/io/svg.h src/io/report.c src/io/report.h
