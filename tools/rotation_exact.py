#!/usr/bin/env python3
"""Independent check of the rotation planner (outside the product; needs `pip install scipy`).

Solves a `PlanInput` document (written by `gongjin plan rotation --dump-input FILE` or
`cargo run --release -p gongjin-rotation --example bench -- --dump TEACHERS SCHOOLS SEED > FILE`) exactly by
outer approximation: a MILP (HiGHS through scipy) over per-teacher moves with every hard rule as a linear
constraint, and each enrolment-weighted CV (convex in the per-school counts while the stage totals are fixed)
replaced by tangent cuts added at each MILP solution. The MILP value is a lower bound, the true objective at its
solution an upper bound; it prints both per iteration. Used in BENCHMARKS.md to tell a weak bound from a weak plan.

    python3 tools/rotation_exact.py input.json
"""
import json, math, sys, numpy as np
from scipy.optimize import milp, LinearConstraint, Bounds
from scipy.sparse import lil_matrix
d = json.load(open(sys.argv[1]))
assert not d['locks'], 'locks are not modelled here'
P = d['policy']; W = d['weights']
S = d['schools']; T = d['teachers']
sidx = {s['id']: i for i, s in enumerate(S)}
def hav(a, b):
    R = 6371.0
    la1, lo1, la2, lo2 = map(math.radians, (a['lat'], a['lon'], b['lat'], b['lon']))
    h = math.sin((la2-la1)/2)**2 + math.cos(la1)*math.cos(la2)*math.sin((lo2-lo1)/2)**2
    return 2*R*math.asin(math.sqrt(h))
forb = set(); forbpair = set()
for f in d['forbids']:
    if f['kind'] == 'teacher': forb.add(f['teacher'])
    else: forbpair.add((f['teacher'], f['school']))
ex = lambda t: any(t['exemptions'].values())
elig = [t['years_at_school'] >= P['eligible_after_years'] and not ex(t) for t in T]
stages = lambda s: {p['stage'] for p in s['parts']}
vars_ = []  # (t, j, cost)
for ti, t in enumerate(T):
    if not elig[ti] or t['id'] in forb: continue
    i = sidx[t['school']]
    for j, s in enumerate(S):
        if j == i or t['stage'] not in stages(s) or (t['id'], s['id']) in forbpair: continue
        km = hav(S[i], s)
        if P.get('max_distance_km') and km > P['max_distance_km']: continue
        c = W['per_move'] + W['per_km']*km
        same = S[i]['community'] is not None and S[i]['community'] == s['community']
        if P['community'] == 'preferred' and not same: c += W['outside_community']
        if P['community'] == 'required' and S[i]['community'] != s['community']: continue
        vars_.append((ti, j, c))
nx = len(vars_)
# shortage vars u[j,s], gap vars g[i,s]
main = lambda t: t['subjects'][0] if t['subjects'] else None
short = [(j, s, n) for j, sc in enumerate(S) for s, n in sc['shortages'].items()]
gapk = sorted({(sidx[T[ti]['school']], main(T[ti])) for ti, j, c in vars_ if main(T[ti])})
nu, ng = len(short), len(gapk)
N = nx + nu + ng
c = np.zeros(N)
for k, (ti, j, cc) in enumerate(vars_): c[k] = cc
c[nx:nx+nu] = W['shortage']; c[nx+nu:] = W['sender_gap']
rows = []; lo = []; hi = []
def add(coefs, l, h): rows.append(coefs); lo.append(l); hi.append(h)
from collections import defaultdict
byt = defaultdict(list); byfrom = defaultdict(list); byto = defaultdict(list)
for k, (ti, j, cc) in enumerate(vars_):
    byt[ti].append(k); byfrom[sidx[T[ti]['school']]].append(k); byto[j].append(k)
for ti, ks in byt.items(): add({k: 1 for k in ks}, -np.inf, 1)
ecount = defaultdict(int)
for ti, t in enumerate(T):
    if elig[ti]: ecount[sidx[t['school']]] += 1
for i, s in enumerate(S):
    if s['locality'] == 'urban' or s['strong']:
        q = math.ceil(ecount[i]*P['quota_share'] - 1e-9)
        movable = len({vars_[k][0] for k in byfrom[i]})
        q = min(q, movable)
        if q > 0: add({k: 1 for k in byfrom[i]}, q, np.inf)
# backbone share
co = {}
for k, (ti, j, cc) in enumerate(vars_):
    co[k] = (1 if T[ti]['backbone'] != 'none' else 0) - P['backbone_share']
add(co, 0, np.inf)
# coverage: holders of subject k at school i
holders = defaultdict(set)
for ti, t in enumerate(T):
    for s in t['subjects']: holders[(sidx[t['school']], s)].add(ti)
for (i, s), hs in holders.items():
    ks = [k for ti in hs for k in byt.get(ti, [])]
    if ks: add({k: 1 for k in ks}, -np.inf, len(hs) - 1)
# shortage: u + sum x(main s to j) >= n
for ui, (j, s, n) in enumerate(short):
    co = {nx+ui: 1}
    for k in byto[j]:
        if main(T[vars_[k][0]]) == s: co[k] = 1
    add(co, n, np.inf)
for gi, (i, s) in enumerate(gapk):
    co = {nx+nu+gi: 1}
    for k in byfrom[i]:
        if main(T[vars_[k][0]]) == s: co[k] = -1
    add(co, -S[i]['surpluses'].get(s, 0), np.inf)
if P.get('max_incoming_per_school'):
    for j in range(len(S)): add({k: 1 for k in byto[j]}, -np.inf, P['max_incoming_per_school'])
br = d['balance_rules']; minen = br['min_enrolment']
# groups: (stage, ind)
groups = [(st, ind) for st in ('primary', 'junior') for ind in ('bb', 'deg')]
def has(t, ind): return (t['backbone'] != 'none') if ind == 'bb' else t['has_higher_degree']
parts = {}  # (g) -> list of (school idx, enrol)
for gi, (st, ind) in enumerate(groups):
    parts[gi] = [(i, p['enrolment']) for i, s_ in enumerate(S) for p in s_['parts'] if p['stage'] == st and p['enrolment'] >= minen]
b0 = {gi: np.zeros(len(parts[gi])) for gi in range(4)}
pos = {gi: {i: k for k, (i, e) in enumerate(parts[gi])} for gi in range(4)}
for t in T:
    i = sidx[t['school']]
    for gi, (st, ind) in enumerate(groups):
        if t['stage'] == st and has(t, ind) and i in pos[gi]:
            b0[gi][pos[gi][i]] += 1
# linear map: b_g = b0_g + M_g x
Mg = {}
for gi, (st, ind) in enumerate(groups):
    M = lil_matrix((len(parts[gi]), nx))
    for k, (ti, j, cc) in enumerate(vars_):
        t = T[ti]
        if t['stage'] == st and has(t, ind):
            i = sidx[t['school']]
            if i in pos[gi]: M[pos[gi][i], k] -= 1
            if j in pos[gi]: M[pos[gi][j], k] += 1
            if (i in pos[gi]) != (j in pos[gi]): print('WARNING crossing exclusion', gi)
    Mg[gi] = M.tocsr()
wg = [W['cv_backbone'] if ind == 'bb' else W['cv_degree'] for st, ind in groups]
def cv(gi, b):
    P = np.array([e for i, e in parts[gi]], float)
    if len(P) == 0 or b.sum() == 0: return 0.0, np.zeros(len(P))
    X = 100 * b / P; Xb = 100 * b.sum() / P.sum()
    S2 = (P * (X - Xb) ** 2).sum() / P.sum(); Sd = math.sqrt(max(S2, 0))
    if Sd < 1e-12: return 0.0, np.zeros(len(P))
    grad = 100 * (X - Xb) / (P.sum() * Sd * Xb)
    return Sd / Xb, grad
nz = 4
Ntot = N + nz
cobj = np.concatenate([c, np.array(wg)])
base_rows = len(rows)
cuts = []  # (gi, const, grad)
def add_cut(x):
    for gi in range(4):
        if len(parts[gi]) == 0: continue
        b = b0[gi] + Mg[gi] @ x[:nx]
        f, gr = cv(gi, b)
        # z >= f + gr.(b0 + M x - b) = (f - gr.b + gr.b0) + (gr M) x
        cuts.append((gi, f - gr @ b + gr @ b0[gi], Mg[gi].T @ gr))
def true_obj(x):
    v = c[:nx] @ x[:nx]
    # recompute u and g exactly
    xv = x[:nx]
    for ui, (j, s_, n) in enumerate(short):
        got = sum(xv[k] for k in byto[j] if main(T[vars_[k][0]]) == s_)
        v += W['shortage'] * max(0, n - got)
    for gi2, (i, s_) in enumerate(gapk):
        sent = sum(xv[k] for k in byfrom[i] if main(T[vars_[k][0]]) == s_)
        v += W['sender_gap'] * max(0, sent - S[i]['surpluses'].get(s_, 0))
    for gi in range(4):
        if len(parts[gi]): v += wg[gi] * cv(gi, b0[gi] + Mg[gi] @ xv)[0]
    return v
add_cut(np.zeros(Ntot))
best_ub = true_obj(np.zeros(Ntot)); lb = -1
import time
t0 = time.time()
for it in range(60):
    nr = len(rows) + len(cuts)
    A = lil_matrix((len(rows), Ntot)); lo2 = list(lo); hi2 = list(hi)
    for r, co in enumerate(rows):
        for k, v in co.items(): A[r, k] = v
    A = A.tocsr()
    from scipy.sparse import vstack, csr_matrix
    C = lil_matrix((len(cuts), Ntot))
    for r, (gi, const, gx) in enumerate(cuts):
        gx = np.asarray(gx).ravel()
        for k in np.nonzero(np.abs(gx) > 1e-15)[0]: C[r, k] = -gx[k]
        C[r, N + gi] = 1
        lo2.append(const); hi2.append(np.inf)
    A = vstack([A, C.tocsr()])
    integ = np.zeros(Ntot); integ[:nx] = 1
    ub_b = np.concatenate([np.ones(nx), np.full(nu + ng, np.inf), np.full(nz, np.inf)])
    r = milp(cobj, constraints=LinearConstraint(A, lo2, hi2), bounds=Bounds(0, ub_b), integrality=integ, options={'time_limit': 120, 'mip_rel_gap': 1e-6})
    if r.x is None: print('fail', r.status, r.message); break
    lb = max(lb, r.fun if r.status == 0 else r.mip_dual_bound)
    ub = true_obj(r.x); best_ub = min(best_ub, ub)
    print(f'it {it} lb {lb:.5f} ub {ub:.5f} best {best_ub:.5f} gap {(best_ub-lb)/best_ub*100:.3f}% moves {int(round(r.x[:nx].sum()))} t {time.time()-t0:.0f}s', flush=True)
    if (best_ub - lb) / best_ub < 1e-4: break
    add_cut(r.x)
