# Op harness and backend tests.
check_PROGRAMS += tests/test_ops
tests_test_ops_LDADD = $(TEST_LIBS)
TESTS += tests/test_ops tests/test_ops_grad.sh tests/test_ops_broken.sh
EXTRA_DIST += tests/test_ops_grad.sh tests/test_ops_broken.sh
