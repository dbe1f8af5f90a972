# tests/local.mk - every test: programs, scripts and fixtures, one section per area in the
# order of the layers; tests/<area>/ tests src/<area>/ (tests/search also the search and
# baseline commands, tests/pipeline the whole path), tests/fixtures/<name>/ holds what a
# model test compares against.  C tests link the internals ($(TEST_LIBS)) except
# test_public_api; shell tests drive the built ./archllm.

# ---- shared: the C tests' helpers, the shell tests' helpers, LeakSanitizer suppressions
EXTRA_DIST += tests/lsan.supp tests/testutil.h tests/clilib.sh

# ---- util
check_PROGRAMS += tests/util/test_fileio tests/util/test_stats
tests_util_test_fileio_LDADD = $(TEST_LIBS)
tests_util_test_stats_LDADD = $(TEST_LIBS)
TESTS += tests/util/test_fileio tests/util/test_stats

# ---- backend, and the CLI as a user meets it (help, version, devices, exit codes)
check_PROGRAMS += tests/test_backend
tests_test_backend_LDADD = $(TEST_LIBS)
TESTS += tests/test_backend tests/test_cli.sh
EXTRA_DIST += tests/test_cli.sh

# ---- bench: every bench/ script parses, the side-by-side ones source bench/machine.sh,
# whose machine line and verdict keep their shape (runs no benchmark)
TESTS += tests/test_bench_scripts.sh
EXTRA_DIST += tests/test_bench_scripts.sh

# ---- io: the config (exact errors for each bad fixture, round trips, conf/README.md in
# step with the schema) and safetensors
check_PROGRAMS += tests/io/test_config
tests_io_test_config_SOURCES = tests/io/test_config.c
tests_io_test_config_LDADD = $(TEST_LIBS)
# test_config_cli.sh runs the built ./archllm on each bad fixture (executable, #!/bin/sh).
TESTS += tests/io/test_config tests/io/test_config_cli.sh
EXTRA_DIST += tests/io/test_config_cli.sh \
	tests/io/good.cfg tests/io/bad_syntax.cfg tests/io/unknown_key.cfg \
	tests/io/unknown_group.cfg tests/io/wrong_type.cfg tests/io/out_of_range.cfg \
	tests/io/bad_list.cfg tests/io/wrapped_int.cfg tests/io/float_schema.cfg
CLEANFILES += test_config_roundtrip.cfg test_config_schema_roundtrip.cfg
check_PROGRAMS += tests/io/test_safetensors
tests_io_test_safetensors_LDADD = $(TEST_LIBS)
TESTS += tests/io/test_safetensors

# ---- ops: one harness for every op family (tests/ops: one cases_<family>.c each, listed in
# families.h), each kernel against its reference; gradient mode; a broken kernel is caught; every
# tile of the linear kernels
check_PROGRAMS += tests/test_ops
tests_test_ops_SOURCES = tests/ops/main.c tests/ops/harness.h tests/ops/families.h tests/ops/cases_basic.c \
	tests/ops/cases_graph.c tests/ops/cases_linear.c tests/ops/cases_quantize.c tests/ops/cases_recon.c \
	tests/ops/cases_t5.c tests/ops/cases_ensemble.c
tests_test_ops_LDADD = $(TEST_LIBS)
TESTS += tests/test_ops tests/test_ops_grad.sh tests/test_ops_broken.sh tests/test_ops_tiles.sh
EXTRA_DIST += tests/test_ops_grad.sh tests/test_ops_broken.sh tests/test_ops_tiles.sh
# what the CLBlast tune keeps and where it routes, on given timings (no device)
check_PROGRAMS += tests/ops/test_clblast_decide
tests_ops_test_clblast_decide_LDADD = $(TEST_LIBS)
TESTS += tests/ops/test_clblast_decide
# tuning files and `archllm tune`: stale/corrupt files ignored and rebuilt; tuned numerics
TESTS += tests/test_tune.sh
EXTRA_DIST += tests/test_tune.sh

# ---- train: the parameter table
check_PROGRAMS += tests/train/test_params
tests_train_test_params_LDADD = $(TEST_LIBS)
TESTS += tests/train/test_params

# ---- model: the MLP ensemble
check_PROGRAMS += tests/model/test_ensemble
tests_model_test_ensemble_LDADD = $(TEST_LIBS)
TESTS += tests/model/test_ensemble
# the VQ-VAE against the PyTorch fixture; the tiny config trains, resumes exactly, encodes
# and decodes; continuous latents in and out (decoding code vectors matches decode)
check_PROGRAMS += tests/model/vqvae/test_vqvae_fixture tests/model/vqvae/test_vqvae_latents
tests_model_vqvae_test_vqvae_fixture_LDADD = $(TEST_LIBS)
tests_model_vqvae_test_vqvae_latents_LDADD = $(TEST_LIBS)
TESTS += tests/model/vqvae/test_vqvae_fixture tests/model/vqvae/test_vqvae_latents tests/model/vqvae/test_train_vqvae.sh
EXTRA_DIST += tests/fixtures/vqvae/pair_loss.safetensors tests/fixtures/vqvae/inner_ema.safetensors \
	tests/model/vqvae/test_train_vqvae.sh
# the T5 against Hugging Face transformers' outputs (fixtures made by the scripts beside
# them), training from scratch and fine-tuning, sampling, the tokenizer
check_PROGRAMS += tests/model/t5/test_t5_parity
tests_model_t5_test_t5_parity_LDADD = $(TEST_LIBS)
tests_model_t5_test_t5_parity_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
TESTS += tests/model/t5/test_t5_parity
EXTRA_DIST += tests/fixtures/t5/make_fixtures.py tests/fixtures/t5/v1_0/config.json \
	tests/fixtures/t5/v1_0/model.safetensors tests/fixtures/t5/v1_0/expect.safetensors \
	tests/fixtures/t5/v1_1/config.json tests/fixtures/t5/v1_1/model.safetensors \
	tests/fixtures/t5/v1_1/expect.safetensors tests/fixtures/t5/v1_0/f16/config.json \
	tests/fixtures/t5/v1_0/f16/model.safetensors tests/fixtures/t5/v1_1/bf16/config.json \
	tests/fixtures/t5/v1_1/bf16/model.safetensors tests/fixtures/t5/v1_0/lm_logits_case.txt \
	tests/fixtures/t5/v1_1/lm_logits_case.txt tests/fixtures/t5/make_tf5_fixtures.py \
	tests/fixtures/t5/v1_1/tf5/config.json tests/fixtures/t5/v1_1/tf5/generation_config.json \
	tests/fixtures/t5/v1_1/tf5/model.safetensors tests/fixtures/t5/v1_1/tf5_tied/config.json \
	tests/fixtures/t5/v1_1/tf5_tied/generation_config.json tests/fixtures/t5/v1_1/tf5_tied/model.safetensors \
	tests/fixtures/t5/v1_1/tf5_tied/expect.safetensors tests/fixtures/t5/make_bucket_fixture.py \
	tests/fixtures/t5/buckets.txt
TESTS += tests/model/t5/test_train_lm.sh
EXTRA_DIST += tests/model/t5/test_train_lm.sh
check_PROGRAMS += tests/model/t5/test_t5_sample
tests_model_t5_test_t5_sample_LDADD = $(TEST_LIBS)
tests_model_t5_test_t5_sample_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
TESTS += tests/model/t5/test_t5_sample
check_PROGRAMS += tests/model/t5/test_tokenizer
tests_model_t5_test_tokenizer_LDADD = $(TEST_LIBS)
tests_model_t5_test_tokenizer_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
TESTS += tests/model/t5/test_tokenizer
EXTRA_DIST += tests/fixtures/t5/make_tokenizer_fixture.py tests/fixtures/t5/tokenizer/tokenizer.json \
	tests/fixtures/t5/tokenizer/cases.jsonl

# ---- nas: the spaces, the nasbench hash, the readers, a user's cells; `archllm dataset`/`show`
check_PROGRAMS += tests/nas/test_nb101 tests/nas/test_nb201 tests/nas/test_nas_readers tests/nas/test_darts tests/nas/test_cells
TESTS += tests/nas/test_nb101 tests/nas/test_nb201 tests/nas/test_nas_readers tests/nas/test_darts tests/nas/test_cells tests/nas/test_nas_cli.sh
EXTRA_DIST += tests/nas/test_nas_cli.sh
tests_nas_test_nb101_SOURCES = tests/nas/test_nb101.c
tests_nas_test_nb101_LDADD = $(TEST_LIBS)
tests_nas_test_nb201_SOURCES = tests/nas/test_nb201.c
tests_nas_test_nb201_LDADD = $(TEST_LIBS)
tests_nas_test_nas_readers_SOURCES = tests/nas/test_nas_readers.c tests/nas/nb101_record.h
tests_nas_test_nas_readers_LDADD = $(TEST_LIBS)
tests_nas_test_darts_SOURCES = tests/nas/test_darts.c
tests_nas_test_darts_LDADD = $(TEST_LIBS)
tests_nas_test_cells_SOURCES = tests/nas/test_cells.c
tests_nas_test_cells_LDADD = $(TEST_LIBS)
EXTRA_DIST += tests/fixtures/cells/space.jsonl tests/fixtures/cells/make_space.py

# ---- search: metrics, baselines and writers; oracle and search loops; the two commands
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
EXTRA_DIST += tests/search/test_search_cli.sh tests/search/test_search_nb101.sh

# ---- pipeline: the whole path on conf/pipeline-tiny.cfg (test_run.sh drives,
# test_pipeline_check checks), and on every space
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

# ---- the public API through the shared library only (no internal headers)
check_PROGRAMS += tests/test_public_api
# the version configure.ac declares: an independent source for the header's version macros
tests_test_public_api_CPPFLAGS = -I$(top_srcdir)/include -DTEST_PACKAGE_VERSION='"$(PACKAGE_VERSION)"'
tests_test_public_api_LDADD = libarchllm.la
TESTS += tests/test_public_api
# A tiny experiment through the public API alone: stages, events, stop and resume.
check_PROGRAMS += tests/test_api_experiment
tests_test_api_experiment_CPPFLAGS = -I$(top_srcdir)/include
tests_test_api_experiment_LDADD = libarchllm.la
TESTS += tests/test_api_experiment
