/* embedding.cl - token embedding lookup (gather) and its backward (scatter-add into the
 * table).  Ids are int32; an id outside [0, vocab) reads as zeros and gets no gradient
 * (the host validates ids; this only keeps a bad id from reading out of bounds). */

/* out(n, d) = table[ids[r], :] */
__kernel void embedding_fwd(__global float *out, uint out_off, __global const float *table, uint t_off,
                            __global const int *ids, uint ids_off, uint n, uint d, uint vocab)
{
    uint i = get_global_id(0);
    GUARD(i, n * d);
    uint r = i / d, j = i % d;
    int id = ids[ids_off + r];
    out[out_off + i] = (id >= 0 && (uint)id < vocab) ? table[t_off + (uint)id * d + j] : 0.0f;
}

/* dtable[ids[r], :] += dout(r, :).  One work-item per column walks the tokens in order, so
 * repeated ids accumulate without atomics and the result is deterministic. */
__kernel void embedding_bwd(__global float *dtable, uint t_off, __global const float *dout, uint dout_off,
                            __global const int *ids, uint ids_off, uint n, uint d, uint vocab)
{
    uint j = get_global_id(0);
    GUARD(j, d);
    for (uint r = 0; r < n; r++) {
        int id = ids[ids_off + r];
        if (id >= 0 && (uint)id < vocab) dtable[t_off + (uint)id * d + j] += dout[dout_off + r * d + j];
    }
}
