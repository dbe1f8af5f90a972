# Op harness (tests/ops: one cases_<family>.c per op family), backend and CLI tests.
check_PROGRAMS += tests/test_ops tests/test_backend
tests_test_ops_SOURCES = tests/ops/main.c tests/ops/harness.h tests/ops/families.h tests/ops/cases_basic.c
tests_test_ops_LDADD = $(TEST_LIBS)
tests_test_backend_LDADD = $(TEST_LIBS)
TESTS += tests/test_ops tests/test_ops_grad.sh tests/test_ops_broken.sh tests/test_backend tests/test_cli.sh
EXTRA_DIST += tests/test_ops_grad.sh tests/test_ops_broken.sh tests/test_cli.sh

# The public API through the shared library only (no internal headers).
check_PROGRAMS += tests/test_public_api
# the version configure.ac declares: an independent source for the header's version macros
tests_test_public_api_CPPFLAGS = -I$(top_srcdir)/include -DTEST_PACKAGE_VERSION='"$(PACKAGE_VERSION)"'
tests_test_public_api_LDADD = libarchllm.la
TESTS += tests/test_public_api
