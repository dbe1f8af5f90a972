# VQ-VAE model, its op families and commands (owned by the VQ-VAE work)
# Op families: graph convolution, vector quantization, reconstruction losses.
libarchllm_core_la_SOURCES += src/ops/vqvae_ops.h src/ops/graph.c src/ops/linear.c src/ops/quantize.c src/ops/recon.c \
	src/ref/vqvae_ref.h src/ref/graph.c src/ref/linear.c src/ref/quantize.c src/ref/recon.c
CL_FAMILIES += graph linear quantize recon
tests_test_ops_SOURCES += tests/ops/cases_graph.c tests/ops/cases_linear.c tests/ops/cases_quantize.c tests/ops/cases_recon.c
# The model.
libarchllm_core_la_SOURCES += src/model/vqvae.h src/model/vqvae.c src/model/vqvae_run.h src/model/vqvae_run.c
# Commands.
archllm_SOURCES += src/cli/cmd_train_vqvae.c src/cli/cmd_encode.c src/cli/cmd_decode.c
# Tests: the whole model against the PyTorch fixture; the tiny config trains, resumes exactly,
# encodes and decodes; continuous latents in and out (decoding code vectors matches decode).
check_PROGRAMS += tests/model/vqvae/test_vqvae_fixture tests/model/vqvae/test_vqvae_latents
tests_model_vqvae_test_vqvae_fixture_LDADD = $(TEST_LIBS)
tests_model_vqvae_test_vqvae_latents_LDADD = $(TEST_LIBS)
TESTS += tests/model/vqvae/test_vqvae_fixture tests/model/vqvae/test_vqvae_latents tests/model/vqvae/test_train_vqvae.sh
EXTRA_DIST += tests/fixtures/vqvae/pair_loss.safetensors tests/fixtures/vqvae/inner_ema.safetensors \
	bench/vqvae/vqvae_torch.py conf/vqvae-tiny.cfg conf/vqvae-nb101.cfg conf/vqvae-nb201.cfg \
	tests/model/vqvae/test_train_vqvae.sh bench/vqvae/bench.sh doc/vqvae.md
