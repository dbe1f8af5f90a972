# Training: the parameter table with flat buffers, AdamW steps, checkpoints.
# The training loop: schedule, log windows, eval and checkpoint cadence, stop and resume.
libarchllm_core_la_SOURCES += src/train/params.c src/train/params.h src/train/loop.c src/train/loop.h
