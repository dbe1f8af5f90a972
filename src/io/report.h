/* report.h - the self-contained index.html of an experiment: headings, paragraphs,
 * tables and inline SVG plots, one file with its own small stylesheet and no external
 * references.  Built in memory, written atomically.  What goes into it (which tables,
 * which plots) is the pipeline's choice, not this module's. */
#ifndef ARCHLLM_IO_REPORT_H
#define ARCHLLM_IO_REPORT_H

#include <stddef.h>

#include "archllm.h"

typedef struct archllm_report archllm_report;

archllm_status archllm_report_init(archllm_report **out, const char *title);
void           archllm_report_free(archllm_report *r);

void archllm_report_heading(archllm_report *r, const char *text);   /* <h2> */
void archllm_report_paragraph(archllm_report *r, const char *text); /* <p>, escaped */
/* A table: header (ncols), cells row-major (nrows x ncols); every text is escaped.
 * Cells that look numeric are right-aligned. */
void archllm_report_table(archllm_report *r, const char *caption, size_t ncols, const char *const *header,
                          size_t nrows, const char *const *cells);
/* An SVG plot (a whole <svg> element, e.g. from archllm_svg_plot_string) inline, with
 * a caption.  The text is trusted: it is inserted as is, minus any <?xml ...?> line. */
void archllm_report_svg(archllm_report *r, const char *caption, const char *svg);

/* The finished page; ENOMEM if any append ran out of memory. */
archllm_status archllm_report_save(const archllm_report *r, const char *path);

#endif
