# src/model: the VQ-VAE (and its training and encoding runs), the T5 (with Hugging Face
# checkpoints and config.json), its tokenizers, prompts and sampling, and the MLP-ensemble
# surrogate that the predictor-guided search methods train on the device.
libarchllm_core_la_SOURCES += src/model/vqvae.h src/model/vqvae.c src/model/vqvae_run.h src/model/vqvae_run.c
libarchllm_core_la_SOURCES += src/model/t5.h src/model/t5.c src/model/t5_hf.c src/model/t5_config.c
libarchllm_core_la_SOURCES += src/model/prompts.h src/model/prompts.c src/model/prompts_text.c
libarchllm_core_la_SOURCES += src/model/sample.h src/model/sample.c
libarchllm_core_la_SOURCES += src/model/tokenizer.h src/model/tokenizer.c
libarchllm_core_la_SOURCES += src/model/ensemble.c src/model/ensemble.h
