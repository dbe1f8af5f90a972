# src/nas: search spaces (NB101, NB201), the nasbench hash, benchmark tables, datasets.
libarchllm_core_la_SOURCES += \
	src/nas/cell.c src/nas/cell.h \
	src/nas/nb101.c src/nas/nb101.h \
	src/nas/nb201.c src/nas/nb201.h \
	src/nas/nb201_table.c src/nas/nb201_table.h \
	src/nas/tfrecord.c src/nas/tfrecord.h \
	src/nas/nb101_data.c src/nas/nb101_data.h \
	src/nas/jsonl.c src/nas/jsonl.h \
	src/nas/dataset.c src/nas/dataset.h \
	src/nas/darts.c src/nas/darts.h \
	src/nas/cells.c src/nas/cells.h

# Benchmark tables, installed for `archllm show` (found through ARCHLLM_PKGDATADIR).
dist_pkgdata_DATA = data/nb201_accuracy.csv data/nb101_hash_test_vectors.tsv
EXTRA_DIST += data/README.md
archllm_CPPFLAGS += -DARCHLLM_PKGDATADIR=\"$(pkgdatadir)\" -DARCHLLM_SRCDATADIR=\"$(abs_top_srcdir)/data\"

check_PROGRAMS += tests/nas/test_nb101 tests/nas/test_nb201 tests/nas/test_nas_readers tests/nas/test_darts tests/nas/test_cells
TESTS += tests/nas/test_nb101 tests/nas/test_nb201 tests/nas/test_nas_readers tests/nas/test_darts tests/nas/test_cells tests/nas/test_nas_cli.sh
EXTRA_DIST += tests/nas/test_nas_cli.sh tests/clilib.sh
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
EXTRA_DIST += tests/fixtures/cells/space.jsonl tests/fixtures/cells/make_space.py doc/darts.md doc/cells.md

# ---- fuzz targets: `make fuzz` (libFuzzer through clang; not part of make check) ----
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
