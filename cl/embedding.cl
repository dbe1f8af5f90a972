/* embedding.cl - token embedding lookup (gather) and its backward (scatter-add into the
 * table).  Ids are int32; an id outside [0, vocab) reads as zeros and gets no gradient
 * (the host validates ids; this only keeps a bad id from reading out of bounds). */

/* out(n, d) = table[ids[r], :] */
__kernel void embedding_fwd(__global float *out, uint out_off, __global const float *table, uint t_off,
                            __global const int *ids, uint ids_off, uint n, uint d, uint vocab)
{
    /* 16 columns of a row an item (a float an item: 4% of a decoding profile, though batch-500
     * sampling did not measurably change) */
    uint i = get_global_id(0), cb = (d + 15) / 16;
    GUARD(i, n * cb);
    uint r = i / cb, j0 = (i % cb) * 16;
    int  id = ids[ids_off + r], ok = id >= 0 && (uint)id < vocab;
    __global const float *src = table + t_off + (ok ? (uint)id : 0u) * d + j0;
    __global float *dst = out + out_off + r * d + j0;
    if (j0 + 16 <= d) {
        vstore16(ok ? vload16(0, src) : (float16)(0.0f), 0, dst);
        return;
    }
    for (uint j = 0; j0 + j < d; j++) dst[j] = ok ? src[j] : 0.0f;
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
