/* families.h - every op family's cases, one line each: FAMILY(name) means
 * tests/ops/cases_<name>.c defines cases_<name>() and grads_<name>(). */
FAMILY(basic)
FAMILY(graph)
FAMILY(linear)
FAMILY(quantize)
FAMILY(recon)
FAMILY(t5)
FAMILY(ensemble)
