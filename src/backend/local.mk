# OpenCL backend: devices, context, programs (embedded kernels + disk cache), CLBlast, and
# CLBlast's C++ tuning API behind a C interface (the one C++ file of archllm).
libarchllm_core_la_SOURCES += src/backend/backend.h src/backend/device.c src/backend/context.c \
	src/backend/program.c src/backend/gemm.c src/backend/tuning.c \
	src/backend/clblast_tune.h src/backend/clblast_tune.cc
EXTRA_DIST += build-aux/clblast-spaces.py

# Kernel sources: one file per op family, plus common.cl put in front of each.
# Op families append their file to CL_FAMILIES in their own local.mk.
CL_FAMILIES = common
CL_FILES = $(CL_FAMILIES:%=cl/%.cl)

nodist_libarchllm_core_la_SOURCES += src/backend/cl_embedded.c
BUILT_SOURCES += src/backend/cl_embedded.c
CLEANFILES += src/backend/cl_embedded.c
src/backend/cl_embedded.c: $(CL_FILES) $(srcdir)/build-aux/embed-cl.sh Makefile
	$(AM_V_GEN)$(MKDIR_P) src/backend && \
	$(SHELL) $(srcdir)/build-aux/embed-cl.sh $(srcdir) $(CL_FAMILIES) > $@.tmp && mv $@.tmp $@
EXTRA_DIST += $(CL_FILES)
