/* reduce.cl - reductions: sum and sum of squares of a vector (two passes: one partial per
 * work-group, then one work-group folds the partials; a fixed order per device, so the
 * result is deterministic), and column sums of a matrix (bias gradients). */

/* op: 0 = sum, 1 = sum of squares.  Items read 16 floats at a time (a cache line), the
 * groups' items side by side: with a float an item, a CPU work-group (its items one after
 * another) fetched each line 16 times over (t5-small's gradient norm: 16% of a step). */
__kernel void reduce_partial(__global float *partial, __global const float *x, uint x_off, uint n, uint op)
{
    __local float acc[REDUCE_WG];
    uint lid = get_local_id(0), gid = get_group_id(0), groups = get_num_groups(0), nb = n / 16;
    float16 s16 = 0.0f;
    for (uint i = gid * REDUCE_WG + lid; i < nb; i += groups * REDUCE_WG) {
        float16 v = vload16(i, x + x_off);
        s16 += op ? v * v : v;
    }
    float s = hsum16(s16);
    for (uint t = lid; gid == 0 && t < n % 16; t += REDUCE_WG) { /* the last n % 16 */
        float v = x[x_off + nb * 16 + t];
        s += op ? v * v : v;
    }
    acc[lid] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint w = REDUCE_WG / 2; w > 0; w >>= 1) {
        if (lid < w) acc[lid] += acc[lid + w];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) partial[gid] = acc[0];
}

/* out[out_off] = sum of partial[0..n) (one work-group of REDUCE_WG) */
__kernel void reduce_final(__global float *out, uint out_off, __global const float *partial, uint n)
{
    __local float acc[REDUCE_WG];
    uint lid = get_local_id(0);
    float s = 0.0f;
    for (uint i = lid; i < n; i += REDUCE_WG) s += partial[i];
    acc[lid] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint w = REDUCE_WG / 2; w > 0; w >>= 1) {
        if (lid < w) acc[lid] += acc[lid + w];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) out[out_off] = acc[0];
}

/* out(cols) += sum over rows of inp(rows, cols) */
__kernel void sum_rows_fwd(__global float *out, uint out_off, __global const float *inp, uint inp_off,
                           uint rows, uint cols)
{
    uint c = get_global_id(0);
    GUARD(c, cols);
    float s = 0.0f;
    for (uint r = 0; r < rows; r++) s += inp[inp_off + r * cols + c];
    out[out_off + c] += s;
}
