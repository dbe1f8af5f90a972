# T5 model, its op families, tokenizers and commands (owned by the T5 work)
libarchllm_core_la_SOURCES += src/ops/t5_ops.h src/ops/embedding.c src/ops/rmsnorm.c src/ops/attention.c \
	src/ops/xent.c src/ops/dropout.c src/ops/transformer.c \
	src/ref/t5_ref.h src/ref/embedding.c src/ref/rmsnorm.c src/ref/attention.c src/ref/xent.c \
	src/ref/dropout.c src/ref/transformer.c
CL_FAMILIES += embedding rmsnorm attention xent dropout transformer
tests_test_ops_SOURCES += tests/ops/cases_t5.c
libarchllm_core_la_SOURCES += src/model/t5.h src/model/t5.c src/model/t5_hf.c src/model/t5_config.c
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
libarchllm_core_la_SOURCES += src/model/prompts.h src/model/prompts.c src/model/prompts_text.c
archllm_SOURCES += src/cli/cmd_train_lm.c src/cli/cmd_lm_logits.c
TESTS += tests/model/t5/test_train_lm.sh
EXTRA_DIST += tests/model/t5/test_train_lm.sh conf/t5-tiny.cfg
libarchllm_core_la_SOURCES += src/model/sample.h src/model/sample.c
check_PROGRAMS += tests/model/t5/test_t5_sample
tests_model_t5_test_t5_sample_LDADD = $(TEST_LIBS)
tests_model_t5_test_t5_sample_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
TESTS += tests/model/t5/test_t5_sample
archllm_SOURCES += src/cli/cmd_sample.c
libarchllm_core_la_SOURCES += src/model/tokenizer.h src/model/tokenizer.c
check_PROGRAMS += tests/model/t5/test_tokenizer
tests_model_t5_test_tokenizer_LDADD = $(TEST_LIBS)
tests_model_t5_test_tokenizer_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
TESTS += tests/model/t5/test_tokenizer
EXTRA_DIST += tests/fixtures/t5/make_tokenizer_fixture.py tests/fixtures/t5/tokenizer/tokenizer.json \
	tests/fixtures/t5/tokenizer/cases.jsonl
# bench/t5 (built by make check, not run as a test): `make bench/t5/bench_t5`, then compare with bench/t5/bench_torch.py (BENCHMARKS.md)
check_PROGRAMS += bench/t5/bench_t5
bench_t5_bench_t5_SOURCES = bench/t5/bench_t5.c
bench_t5_bench_t5_LDADD = $(TEST_LIBS)
EXTRA_DIST += bench/t5/bench_torch.py bench/t5/bench.sh
# ---- fuzz targets of the T5 readers: `make fuzz-t5` (libFuzzer through clang, like `make fuzz`) ----
FUZZ_T5_TARGETS = safetensors hfconfig
FUZZ_T5_BINS = fuzz/fuzz_safetensors fuzz/fuzz_hfconfig
FUZZ_T5_SRC = $(top_srcdir)/src/util/error.c $(top_srcdir)/src/util/fileio.c $(top_srcdir)/src/io/safetensors.c \
	$(top_srcdir)/src/model/t5_config.c $(top_srcdir)/src/model/tokenizer.c
FUZZ_T5_LINK = $(FUZZ_CC) $(FUZZ_CFLAGS) $(OPENCL_CFLAGS) -o $@ $(top_srcdir)/$@.c $(FUZZ_T5_SRC) $(JANSSON_LIBS) -lm -lpthread
EXTRA_DIST += fuzz/fuzz_safetensors.c fuzz/fuzz_hfconfig.c fuzz/corpus/safetensors fuzz/corpus/hfconfig
CLEANFILES += $(FUZZ_T5_BINS)
fuzz/fuzz_safetensors: $(top_srcdir)/fuzz/fuzz_safetensors.c $(FUZZ_T5_SRC)
	@$(MKDIR_P) fuzz
	$(AM_V_CC)$(FUZZ_T5_LINK)
fuzz/fuzz_hfconfig: $(top_srcdir)/fuzz/fuzz_hfconfig.c $(FUZZ_T5_SRC)
	@$(MKDIR_P) fuzz
	$(AM_V_CC)$(FUZZ_T5_LINK)
fuzz-t5:
	@test -n "$(FUZZ_CC)" || { echo "make fuzz-t5 needs clang: ./configure FUZZ_CC=clang"; exit 1; }
	@$(MAKE) $(AM_MAKEFLAGS) $(FUZZ_T5_BINS)
	@for t in $(FUZZ_T5_TARGETS); do \
	  rm -rf fuzz/$$t-run && $(MKDIR_P) fuzz/$$t-run && \
	  cp $(top_srcdir)/fuzz/corpus/$$t/* fuzz/$$t-run/ && \
	  echo "fuzz-t5: $$t for $(FUZZ_SECONDS) s" && \
	  ./fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -artifact_prefix=fuzz/$$t- \
	    fuzz/$$t-run || exit 1; \
	done
.PHONY: fuzz-t5
EXTRA_DIST += conf/t5-nb101.cfg conf/t5-nb201.cfg doc/t5.md
