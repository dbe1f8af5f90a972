#!/bin/sh
# Gradient mode of the op harness: every reference backward against central differences.
exec "${ARCHLLM_BUILDDIR:-.}/tests/test_ops" --grad
