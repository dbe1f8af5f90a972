# fuzz/local.mk - libFuzzer targets of the readers (fuzz/README.md), built with clang
# outside make check: `make fuzz` (tfrecord, csv, jsonl, archstr) and `make fuzz-t5`
# (safetensors, hfconfig).  Each links the few sources it fuzzes.

# ---- `make fuzz`: the search-space readers ----
FUZZ_SECONDS = 60
FUZZ_TARGETS = tfrecord csv jsonl archstr
FUZZ_LIB_SRC = $(top_srcdir)/src/util/error.c $(top_srcdir)/src/nas/cell.c \
	$(top_srcdir)/src/nas/nb201.c $(top_srcdir)/src/nas/nb201_table.c \
	$(top_srcdir)/src/nas/tfrecord.c $(top_srcdir)/src/nas/nb101_data.c \
	$(top_srcdir)/src/nas/jsonl.c $(top_srcdir)/src/nas/darts.c $(top_srcdir)/src/nas/cells.c \
	$(top_srcdir)/src/nas/hashset.c $(top_srcdir)/src/util/rng.c $(top_srcdir)/src/util/fileio.c
FUZZ_CFLAGS = -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I$(top_srcdir)/include -I$(top_srcdir)/src -I$(top_builddir) $(JANSSON_CFLAGS) $(LIBMD_CFLAGS)
FUZZ_BINS = fuzz/fuzz_tfrecord fuzz/fuzz_csv fuzz/fuzz_jsonl fuzz/fuzz_archstr
EXTRA_DIST += fuzz/README.md fuzz/fuzz_tfrecord.c fuzz/fuzz_csv.c fuzz/fuzz_jsonl.c fuzz/fuzz_archstr.c \
	fuzz/corpus
CLEANFILES += $(FUZZ_BINS)
FUZZ_LINK = $(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(top_srcdir)/$@.c $(FUZZ_LIB_SRC) $(JANSSON_LIBS) $(LIBMD_LIBS) -lpthread

fuzz/fuzz_tfrecord: $(top_srcdir)/fuzz/fuzz_tfrecord.c $(FUZZ_LIB_SRC)
	@$(MKDIR_P) fuzz
	$(AM_V_CC)$(FUZZ_LINK)
fuzz/fuzz_csv: $(top_srcdir)/fuzz/fuzz_csv.c $(FUZZ_LIB_SRC)
	@$(MKDIR_P) fuzz
	$(AM_V_CC)$(FUZZ_LINK)
fuzz/fuzz_jsonl: $(top_srcdir)/fuzz/fuzz_jsonl.c $(FUZZ_LIB_SRC)
	@$(MKDIR_P) fuzz
	$(AM_V_CC)$(FUZZ_LINK)
fuzz/fuzz_archstr: $(top_srcdir)/fuzz/fuzz_archstr.c $(FUZZ_LIB_SRC)
	@$(MKDIR_P) fuzz
	$(AM_V_CC)$(FUZZ_LINK)

fuzz-build: $(FUZZ_BINS)

# Each target runs FUZZ_SECONDS on a scratch copy of its committed seed corpus;
# crashes are left as fuzz/<target>-crash-* and stop the run.
fuzz:
	@test -n "$(FUZZ_CC)" || { echo "make fuzz needs clang: ./configure FUZZ_CC=clang"; exit 1; }
	@$(MAKE) $(AM_MAKEFLAGS) fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  rm -rf fuzz/$$t-run && $(MKDIR_P) fuzz/$$t-run && \
	  cp $(top_srcdir)/fuzz/corpus/$$t/* fuzz/$$t-run/ && \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s" && \
	  ./fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -artifact_prefix=fuzz/$$t- \
	    fuzz/$$t-run || exit 1; \
	done
.PHONY: fuzz fuzz-build

# ---- `make fuzz-t5`: the T5 readers (safetensors, Hugging Face config.json, tokenizer.json) ----
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
