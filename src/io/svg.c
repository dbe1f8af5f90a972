/* svg.c - SVG line plots; see svg.h. */
#include "config.h"
#include "io/svg.h"
#include "util/error.h"
#include "util/fileio.h"

#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void archllm_strbuf_printf(archllm_strbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len <= (size_t)n) cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

void archllm_strbuf_escape(archllm_strbuf *b, const char *t)
{
    for (; t && *t; t++) {
        switch (*t) {
        case '&': archllm_strbuf_printf(b, "&amp;"); break;
        case '<': archllm_strbuf_printf(b, "&lt;"); break;
        case '>': archllm_strbuf_printf(b, "&gt;"); break;
        case '"': archllm_strbuf_printf(b, "&quot;"); break;
        case '\'': archllm_strbuf_printf(b, "&#39;"); break;
        default: archllm_strbuf_printf(b, "%c", *t);
        }
    }
}

archllm_svg_params archllm_svg_default_params(void)
{
    return (archllm_svg_params){.width = 640, .height = 400, .xmin = NAN, .xmax = NAN, .ymin = NAN, .ymax = NAN};
}

/* Series i is drawn in colour i % NPAL and dash pattern i % NDASH, so that every series
 * differs from its neighbours in both, in print and for colour-blind readers.  Colours:
 * Okabe-Ito, ordered so that the first ones are far apart (blue and bluish green, once 1st
 * and 3rd, looked alike in the search plots); yellow last, faint on white.  The counts are
 * coprime: 40 series before a (colour, dash) pair repeats. */
static const char *const palette[] = {"#0072B2", "#D55E00", "#CC79A7", "#009E73", "#E69F00", "#56B4E9", "#000000",
                                      "#F0E442"};
static const char *const dashes[] = {"", "8 4", "2 3", "8 3 2 3", "14 4"};
#define NPAL  (sizeof palette / sizeof palette[0])
#define NDASH (sizeof dashes / sizeof dashes[0])

/* ' stroke-dasharray="..."' for series i, or "" for the solid first pattern */
static void dash_attr(char *out, size_t cap, size_t i)
{
    const char *d = dashes[i % NDASH];
    if (d[0]) snprintf(out, cap, " stroke-dasharray=\"%s\"", d);
    else out[0] = '\0';
}

/* Heckbert's nice numbers: a step of 1, 2 or 5 times a power of ten, ~target ticks. */
static double nice_step(double range, int target)
{
    double raw = range / target, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}

static void fmt_tick(char *out, size_t cap, double v, double step)
{
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (dec > 6) dec = 6;
    if (fabs(v) < step * 1e-6) v = 0;
    snprintf(out, cap, "%.*f", dec, v);
}

archllm_status archllm_svg_plot_string(char **out, const archllm_svg_params *p, const archllm_svg_series *s,
                                       size_t ns)
{
    *out = NULL;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < ns; i++)
        for (size_t k = 0; k < s[i].n; k++) {
            double x = s[i].x[k], y = s[i].y[k], e = s[i].err && isfinite(s[i].err[k]) ? s[i].err[k] : 0;
            if (!isfinite(x) || !isfinite(y)) continue;
            x0 = fmin(x0, x);
            x1 = fmax(x1, x);
            y0 = fmin(y0, y - e);
            y1 = fmax(y1, y + e);
        }
    if (isfinite(p->xmin)) x0 = p->xmin;
    if (isfinite(p->xmax)) x1 = p->xmax;
    if (isfinite(p->ymin)) y0 = p->ymin;
    if (isfinite(p->ymax)) y1 = p->ymax;
    if (!(x0 <= x1) || !(y0 <= y1)) return archllm_fail(ARCHLLM_EINVAL, "plot '%s' has no finite points",
                                                         p->title ? p->title : "");
    if (x1 - x0 < 1e-12) {
        x0 -= 0.5;
        x1 += 0.5;
    }
    if (y1 - y0 < 1e-12) {
        y0 -= 0.5;
        y1 += 0.5;
    }
    double xs = nice_step(x1 - x0, 6), ys = nice_step(y1 - y0, 5);
    if (!isfinite(p->ymin)) y0 = floor(y0 / ys) * ys; /* round the free ends out to ticks */
    if (!isfinite(p->ymax)) y1 = ceil(y1 / ys) * ys;

    int W = p->width > 0 ? p->width : 640, H = p->height > 0 ? p->height : 400;
    const double ml = 64, mr = 16, mt = 36, mb = 48; /* margins: room for tick labels and titles */
    double pw = W - ml - mr, ph = H - mt - mb;
#define PX(x) (ml + ((x) - x0) / (x1 - x0) * pw)
#define PY(y) (mt + ph - ((y) - y0) / (y1 - y0) * ph)
    archllm_strbuf b = {0};
    archllm_strbuf_printf(&b,
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                          "font-family=\"sans-serif\" font-size=\"12\">\n",
                          W, H, W, H);
    archllm_strbuf_printf(&b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H);
    if (p->title) {
        archllm_strbuf_printf(&b, "<text x=\"%.1f\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">", W / 2.0);
        archllm_strbuf_escape(&b, p->title);
        archllm_strbuf_printf(&b, "</text>\n");
    }
    /* grid and ticks */
    archllm_strbuf_printf(&b, "<g stroke=\"#dddddd\" stroke-width=\"1\">\n");
    for (double t = ceil(x0 / xs - 1e-9) * xs; t <= x1 + xs * 1e-9; t += xs)
        archllm_strbuf_printf(&b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", PX(t), mt, PX(t), mt + ph);
    for (double t = ceil(y0 / ys - 1e-9) * ys; t <= y1 + ys * 1e-9; t += ys)
        archllm_strbuf_printf(&b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", ml, PY(t), ml + pw, PY(t));
    archllm_strbuf_printf(&b, "</g>\n<g fill=\"#333333\">\n");
    char lab[64];
    for (double t = ceil(x0 / xs - 1e-9) * xs; t <= x1 + xs * 1e-9; t += xs) {
        fmt_tick(lab, sizeof lab, t, xs);
        archllm_strbuf_printf(&b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", PX(t), mt + ph + 16,
                              lab);
    }
    for (double t = ceil(y0 / ys - 1e-9) * ys; t <= y1 + ys * 1e-9; t += ys) {
        fmt_tick(lab, sizeof lab, t, ys);
        archllm_strbuf_printf(&b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", ml - 6, PY(t) + 4, lab);
    }
    archllm_strbuf_printf(&b, "</g>\n");
    archllm_strbuf_printf(&b,
                          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                          "stroke=\"#333333\"/>\n",
                          ml, mt, pw, ph);
    if (p->xlabel) {
        archllm_strbuf_printf(&b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", ml + pw / 2, (double)H - 8);
        archllm_strbuf_escape(&b, p->xlabel);
        archllm_strbuf_printf(&b, "</text>\n");
    }
    if (p->ylabel) {
        archllm_strbuf_printf(&b, "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 14 %.1f)\">",
                              mt + ph / 2, mt + ph / 2);
        archllm_strbuf_escape(&b, p->ylabel);
        archllm_strbuf_printf(&b, "</text>\n");
    }
    /* data, clipped to the plot area */
    /* ids are document-wide once plots are inlined in one HTML page: name the clip by
     * what it depends on (size) and the title */
    uint32_t id = 2166136261u;
    for (const char *t = p->title ? p->title : ""; *t; t++) id = (id ^ (uint8_t)*t) * 16777619u;
    id = (id ^ (uint32_t)W) * 16777619u;
    id = (id ^ (uint32_t)H) * 16777619u;
    archllm_strbuf_printf(&b,
                          "<defs><clipPath id=\"clip%08x\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                          "height=\"%.1f\"/></clipPath></defs>\n<g clip-path=\"url(#clip%08x)\">\n",
                          (unsigned)id, ml, mt, pw, ph, (unsigned)id);
    for (size_t i = 0; i < ns; i++) {
        const char *col = palette[i % NPAL];
        char dash[48];
        dash_attr(dash, sizeof dash, i);
        if (s[i].err) { /* band: upper edge forwards, lower edge back */
            archllm_strbuf_printf(&b, "<polygon fill=\"%s\" fill-opacity=\"0.18\" stroke=\"none\" points=\"", col);
            for (size_t k = 0; k < s[i].n; k++)
                if (isfinite(s[i].x[k]) && isfinite(s[i].y[k]) && isfinite(s[i].err[k]))
                    archllm_strbuf_printf(&b, "%.1f,%.1f ", PX(s[i].x[k]), PY(s[i].y[k] + s[i].err[k]));
            for (size_t k = s[i].n; k-- > 0;)
                if (isfinite(s[i].x[k]) && isfinite(s[i].y[k]) && isfinite(s[i].err[k]))
                    archllm_strbuf_printf(&b, "%.1f,%.1f ", PX(s[i].x[k]), PY(s[i].y[k] - s[i].err[k]));
            archllm_strbuf_printf(&b, "\"/>\n");
        }
        archllm_strbuf_printf(&b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", col, dash);
        for (size_t k = 0; k < s[i].n; k++)
            if (isfinite(s[i].x[k]) && isfinite(s[i].y[k]))
                archllm_strbuf_printf(&b, "%.1f,%.1f ", PX(s[i].x[k]), PY(s[i].y[k]));
        archllm_strbuf_printf(&b, "\"/>\n");
        if (s[i].markers)
            for (size_t k = 0; k < s[i].n; k++)
                if (isfinite(s[i].x[k]) && isfinite(s[i].y[k]))
                    archllm_strbuf_printf(&b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", PX(s[i].x[k]),
                                          PY(s[i].y[k]), col);
    }
    archllm_strbuf_printf(&b, "</g>\n");
    /* legend, inside the plot */
    if (ns) {
        size_t longest = 0;
        for (size_t i = 0; i < ns; i++)
            if (s[i].name && strlen(s[i].name) > longest) longest = strlen(s[i].name);
        double lw = 36 + 7.0 * longest, lh = 8 + 18.0 * ns;
        double lx = p->legend_top ? ml + 8 : ml + pw - 8 - lw, ly = p->legend_top ? mt + 8 : mt + ph - 8 - lh;
        archllm_strbuf_printf(&b,
                              "<g>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"white\" "
                              "fill-opacity=\"0.85\" stroke=\"#999999\"/>\n",
                              lx, ly, lw, lh);
        for (size_t i = 0; i < ns; i++) {
            double y = ly + 13 + 18.0 * i;
            char dash[48];
            dash_attr(dash, sizeof dash, i);
            archllm_strbuf_printf(&b,
                                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                                  "stroke-width=\"2\"%s/>\n<text x=\"%.1f\" y=\"%.1f\">",
                                  lx + 6, y - 4, lx + 26, y - 4, palette[i % NPAL], dash, lx + 32, y);
            archllm_strbuf_escape(&b, s[i].name ? s[i].name : "");
            archllm_strbuf_printf(&b, "</text>\n");
        }
        archllm_strbuf_printf(&b, "</g>\n");
    }
    archllm_strbuf_printf(&b, "</svg>\n");
#undef PX
#undef PY
    if (b.oom) {
        free(b.s);
        return archllm_fail(ARCHLLM_ENOMEM, "SVG text");
    }
    *out = b.s;
    return ARCHLLM_OK;
}

archllm_status archllm_svg_plot_save(const char *path, const archllm_svg_params *p, const archllm_svg_series *s,
                                     size_t ns)
{
    char *text;
    ARCHLLM_TRY(archllm_svg_plot_string(&text, p, s, ns));
    archllm_status st = archllm_write_text(path, text);
    free(text);
    return st;
}
