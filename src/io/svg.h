/* svg.h - self-contained SVG line plots: several series (series i in the i-th colour of a
 * colour-blind-safe palette and the i-th dash pattern), axes with "nice" ticks and
 * labels, a legend, optional +-std bands.  No fonts, scripts or external references, so
 * a file opens in any browser and can be inlined in an HTML report.  Used for the
 * search curves and the temperature sweep; not a general plotting library. */
#ifndef ARCHLLM_IO_SVG_H
#define ARCHLLM_IO_SVG_H

#include <stddef.h>

#include "archllm.h"

typedef struct {
    const char   *name;  /* legend text */
    const double *x;     /* (n) */
    const double *y;     /* (n); NaN points are skipped */
    const double *err;   /* (n) or NULL: a band from y-err to y+err */
    size_t        n;
    int           markers; /* draw a dot at every point (few points: a sweep) */
} archllm_svg_series;

typedef struct {
    const char *title;
    const char *xlabel;
    const char *ylabel;
    int         width, height; /* pixels; 640 x 400 */
    double      xmin, xmax, ymin, ymax; /* NaN: from the data */
    int         legend_top;             /* legend top left (else bottom right: rising curves) */
} archllm_svg_params;

archllm_svg_params archllm_svg_default_params(void);

/* The plot as a NUL-terminated string (caller frees). */
archllm_status archllm_svg_plot_string(char **out, const archllm_svg_params *p, const archllm_svg_series *s,
                                       size_t ns);
/* Written atomically (util/fileio.h). */
archllm_status archllm_svg_plot_save(const char *path, const archllm_svg_params *p, const archllm_svg_series *s,
                                     size_t ns);

/* A growable string for writers (svg, report). */
typedef struct {
    char  *s;
    size_t len, cap;
    int    oom;
} archllm_strbuf;
void archllm_strbuf_printf(archllm_strbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Text with & < > " ' escaped for XML/HTML. */
void archllm_strbuf_escape(archllm_strbuf *b, const char *text);

#endif
