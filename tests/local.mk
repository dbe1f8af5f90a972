# Op harness, backend and CLI tests.
check_PROGRAMS += tests/test_ops tests/test_backend
tests_test_ops_LDADD = $(TEST_LIBS)
tests_test_backend_LDADD = $(TEST_LIBS)
TESTS += tests/test_ops tests/test_ops_grad.sh tests/test_ops_broken.sh tests/test_backend tests/test_cli.sh
EXTRA_DIST += tests/test_ops_grad.sh tests/test_ops_broken.sh tests/test_cli.sh

# The public API through the shared library only (no internal headers).
check_PROGRAMS += tests/test_public_api
tests_test_public_api_CPPFLAGS = -I$(top_srcdir)/include
tests_test_public_api_LDADD = libarchllm.la
TESTS += tests/test_public_api
