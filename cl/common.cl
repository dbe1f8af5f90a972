/* common.cl - put in front of every op family's source.  Tuning values arrive as
 * -D options (backend/tuning.c); these defaults only matter when a file is compiled alone. */
#ifndef WG_SIZE
#define WG_SIZE 64
#endif
#ifndef REDUCE_WG
#define REDUCE_WG 64
#endif
#ifndef TILE
#define TILE 8
#endif

/* Global sizes are rounded up to the work-group size (PoCL has no non-uniform
 * work-groups), so every kernel guards its index against the real size. */
#define GUARD(i, n) if ((i) >= (n)) return
