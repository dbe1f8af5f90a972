# Training: the parameter table with flat buffers, AdamW steps, checkpoints.
libarchllm_core_la_SOURCES += src/train/params.c src/train/params.h
