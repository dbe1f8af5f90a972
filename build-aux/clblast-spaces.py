#!/usr/bin/env python3
"""clblast-spaces.py - count the valid configurations of CLBlast 1.5.3's tuners, single
precision, under a device's limits (default: PoCL 3.1's pthread device: work-group 4096,
work-item sizes 4096, 2 MiB local memory).  src/backend/clblast_tune.cc turns a number of
configurations to sample into CLBlast's `fraction` with these counts.

The parameter lists and constraints are CLBlast 1.5.3's src/tuning/kernels/*.hpp (the
variations the tuning API runs: Xgemm 2 and 12, XgemmDirect 2, the copy kernels 0); the
filter is its src/tuning/configurations.cpp.  Checked against clblast_tuner_* (Debian
clblast-utils), which print the count: copy_fast 144, copy_pad 81, transpose_fast 96,
transpose_pad 38, xgemm variation 1 578, xgemm_direct variation 1 46.

usage: build-aux/clblast-spaces.py [--local-mem BYTES] [--work-group N] [--work-item N]
"""
import argparse
import itertools

FLOAT = 4


def multiple(a, b):
    return a % b == 0


def count(params, constraints, local_mem, local_size, lim):
    keys = list(params)
    n = 0
    for values in itertools.product(*(params[k] for k in keys)):
        c = dict(zip(keys, values))
        if not all(f(c) for f in constraints):
            continue
        if local_mem(c) > lim.local_mem:
            continue
        local = local_size(c)
        if any(x > lim.work_item for x in local) or local[0] * local[1] > lim.work_group:
            continue
        n += 1
    return n


def xgemm(v):
    if v == 2:
        p = dict(GEMMK=[0], MWG=[16, 32, 64, 128], NWG=[16, 32, 64, 128], KWG=[16, 32], MDIMC=[8, 16, 32],
                 NDIMC=[8, 16, 32], MDIMA=[8, 16, 32], NDIMB=[8, 16, 32], KWI=[2], VWM=[1, 2, 4, 8],
                 VWN=[1, 2, 4, 8], STRM=[0, 1], STRN=[0, 1], SA=[0, 1], SB=[0, 1], KREG=[1])
    else:
        p = dict(GEMMK=[1], MWG=[8, 16, 32, 64, 128], NWG=[8, 16, 32, 64, 128], KWG=[1], MDIMC=[2, 4, 8, 16, 32],
                 NDIMC=[2, 4, 8, 16, 32], MDIMA=[2, 4, 8, 16, 32], NDIMB=[2, 4, 8, 16, 32], KWI=[1],
                 VWM=[1, 2, 4, 8], VWN=[1, 2, 4, 8], STRM=[0], STRN=[0], SA=[0], SB=[0], KREG=[1, 2, 4, 8, 16])
    c = [lambda c: multiple(c['KWG'], c['KWI']),
         lambda c: multiple(c['MWG'], c['MDIMC'] * c['VWM']), lambda c: multiple(c['NWG'], c['NDIMC'] * c['VWN']),
         lambda c: multiple(c['MWG'], c['MDIMA'] * c['VWM']), lambda c: multiple(c['NWG'], c['NDIMB'] * c['VWN'])]
    if v == 2:
        c += [lambda c: multiple(c['KWG'], (c['MDIMC'] * c['NDIMC']) // c['MDIMA']),
              lambda c: multiple(c['KWG'], (c['MDIMC'] * c['NDIMC']) // c['NDIMB'])]
    else:
        c += [lambda c: multiple(c['KREG'], c['VWN']), lambda c: c['MDIMC'] == c['MDIMA'],
              lambda c: c['NDIMC'] == c['NDIMB']]
    return (p, c, lambda c: FLOAT * (c['SA'] * c['KWG'] * c['MWG'] + c['SB'] * c['KWG'] * c['NWG']),
            lambda c: (c['MDIMC'], c['NDIMC']))


def xgemm_direct():
    p = dict(WGD=[8, 16, 32, 64], MDIMCD=[8, 16, 32], NDIMCD=[8, 16, 32], MDIMAD=[8, 16, 32], NDIMBD=[8, 16, 32],
             KWID=[2, 8, 16], VWMD=[1, 2, 4, 8], VWND=[1, 2, 4, 8], PADA=[0, 1], PADB=[0, 1])
    c = [lambda c: multiple(c['WGD'], c['KWID']),
         lambda c: multiple(c['WGD'], c['MDIMCD'] * c['VWMD']), lambda c: multiple(c['WGD'], c['NDIMCD'] * c['VWND']),
         lambda c: multiple(c['WGD'], c['MDIMAD'] * c['VWMD']), lambda c: multiple(c['WGD'], c['NDIMBD'] * c['VWND']),
         lambda c: multiple(c['WGD'], (c['MDIMCD'] * c['NDIMCD']) // c['MDIMAD']),
         lambda c: multiple(c['WGD'], (c['MDIMCD'] * c['NDIMCD']) // c['NDIMBD'])]
    return (p, c, lambda c: FLOAT * (c['WGD'] * (c['WGD'] + c['PADA']) + c['WGD'] * (c['WGD'] + c['PADB'])),
            lambda c: (c['MDIMCD'], c['NDIMCD']))


def copy_kernels():
    none = lambda c: 0
    return {
        'Copy': (dict(X=[8, 16, 32], Y=[8, 16, 32], WPT=[1, 2, 4, 8], VW=[1, 2, 4, 8]), [], none,
                 lambda c: (c['X'], c['Y'])),
        'Pad': (dict(X=[8, 16, 32], Y=[8, 16, 32], WX=[1, 2, 4], WY=[1, 2, 4]), [], none,
                lambda c: (c['X'], c['Y'])),
        'Transpose': (dict(DIM=[4, 8, 16, 32, 64], WPT=[1, 2, 4, 8, 16], PAD=[0, 1], SHUFFLE=[0, 1]), [],
                      lambda c: FLOAT * c['WPT'] * (c['WPT'] * c['DIM']) * (c['DIM'] + c['PAD']),
                      lambda c: (c['DIM'], c['DIM'])),
        'Padtranspose': (dict(TILE=[8, 16, 32, 64], WPT=[1, 2, 4, 8, 16], PAD=[0, 1]), [],
                         lambda c: FLOAT * (c['WPT'] * c['TILE']) * (c['WPT'] * c['TILE'] + c['PAD']),
                         lambda c: (c['TILE'], c['TILE'])),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--local-mem', type=int, default=2 * 1024 * 1024)
    ap.add_argument('--work-group', type=int, default=4096)
    ap.add_argument('--work-item', type=int, default=4096)
    lim = ap.parse_args()
    print('Xgemm (variation 2, GEMMK=0)', count(*xgemm(2), lim))
    print('Xgemm (variation 12, GEMMK=1)', count(*xgemm(12), lim))
    print('XgemmDirect (variation 2)', count(*xgemm_direct(), lim))
    for name, k in copy_kernels().items():
        print(name, count(*k, lim))


if __name__ == '__main__':
    main()
