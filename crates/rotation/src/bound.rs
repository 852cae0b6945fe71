//! The lower bound. See [`crate::Plan::lower_bound`] for the proof; this module implements it.

#![allow(clippy::needless_range_loop)]

use crate::model::{Model, N_GROUPS};

/// One convex-cost flow of a group (stage × indicator) for a parameter λ: minimise Q + λ·M over the
/// relaxed transportation polytope (see the proof). Returns (Q, M) at the optimum.
struct GroupNet {
    /// parts of the stage that are included (local index -> model part index)
    parts: Vec<usize>,
    enrol: Vec<f64>,
    /// units that can not move, per local part
    fixed: Vec<i64>,
    /// classes: (local part, supply, cost per destination local part; None = not allowed)
    classes: Vec<(usize, i64, Vec<Option<f64>>)>,
}

impl GroupNet {
    fn solve(&self, lambda: f64) -> (f64, f64) {
        let np = self.parts.len();
        let nk = self.classes.len();
        // node ids: classes 0..nk, parts nk..nk+np, T = nk+np
        let t_node = nk + np;
        let n = t_node + 1;
        let mut flow = vec![vec![0i64; np]; nk];
        let mut remaining: Vec<i64> = self.classes.iter().map(|c| c.1).collect();
        let mut k: Vec<i64> = self.fixed.clone();
        let marg = |a: usize, x: i64| -> f64 { (2 * x + 1) as f64 / self.enrol[a] };
        let total: i64 = remaining.iter().sum();
        let mut dist = vec![f64::INFINITY; n];
        let mut pred: Vec<usize> = vec![usize::MAX; n];
        let mut inq = vec![false; n];
        let mut queue = std::collections::VecDeque::new();
        for _ in 0..total {
            dist.iter_mut().for_each(|d| *d = f64::INFINITY);
            pred.iter_mut().for_each(|p| *p = usize::MAX);
            queue.clear();
            for (ki, r) in remaining.iter().enumerate() {
                if *r > 0 {
                    dist[ki] = 0.0;
                    pred[ki] = n; // from S
                    queue.push_back(ki);
                    inq[ki] = true;
                }
            }
            if queue.is_empty() {
                break;
            }
            while let Some(u) = queue.pop_front() {
                inq[u] = false;
                let du = dist[u];
                let mut relax = |v: usize, c: f64, dist: &mut Vec<f64>, pred: &mut Vec<usize>| {
                    if du + c < dist[v] - 1e-12 {
                        dist[v] = du + c;
                        pred[v] = u;
                        if v != t_node && !inq[v] {
                            inq[v] = true;
                            queue.push_back(v);
                        }
                    }
                };
                if u < nk {
                    let (home, _, costs) = &self.classes[u];
                    for (b, c) in costs.iter().enumerate() {
                        let c = if b == *home {
                            Some(0.0)
                        } else {
                            c.map(|c| c * lambda)
                        };
                        if let Some(c) = c {
                            relax(nk + b, c, &mut dist, &mut pred);
                        }
                    }
                } else if u < t_node {
                    let a = u - nk;
                    relax(t_node, marg(a, k[a]), &mut dist, &mut pred);
                    for (ki, (home, _, costs)) in self.classes.iter().enumerate() {
                        if flow[ki][a] > 0 {
                            let c = if *home == a {
                                0.0
                            } else {
                                -(costs[a].unwrap_or(0.0) * lambda)
                            };
                            relax(ki, c, &mut dist, &mut pred);
                        }
                    }
                }
            }
            if !dist[t_node].is_finite() {
                break;
            }
            // augment one unit along the path
            let mut v = t_node;
            loop {
                let u = pred[v];
                if u == n {
                    remaining[v] -= 1;
                    break;
                }
                if v == t_node {
                    k[u - nk] += 1;
                } else if u < nk && v >= nk {
                    flow[u][v - nk] += 1;
                } else if u >= nk && v < nk {
                    flow[v][u - nk] -= 1;
                }
                v = u;
            }
        }
        let mut q = 0.0;
        for a in 0..np {
            q += (k[a] * k[a]) as f64 / self.enrol[a];
        }
        let mut m = 0.0;
        for (ki, (home, _, costs)) in self.classes.iter().enumerate() {
            for b in 0..np {
                if b != *home && flow[ki][b] > 0 {
                    m += flow[ki][b] as f64 * costs[b].unwrap_or(0.0);
                }
            }
        }
        (q, m)
    }
}

/// Per group: the vertices (Q, M) of the outer polygon, plus the constants to turn Q into a CV.
pub(crate) struct GroupBound {
    pub vertices: Vec<(f64, f64)>,
    pub psum: f64,
    pub total: f64,
    pub weight: f64,
}

impl GroupBound {
    pub fn value(&self, alpha: f64) -> f64 {
        self.vertices
            .iter()
            .map(|&(q, m)| self.weight * cv_of(q, self.psum, self.total) + alpha * m)
            .fold(f64::INFINITY, f64::min)
    }
}

pub(crate) fn cv_of(q: f64, psum: f64, total: f64) -> f64 {
    if total <= 0.0 {
        return 0.0;
    }
    let x = q * psum / (total * total) - 1.0;
    // Cancellation leaves ~1e-16 where the exact value is 0; √ would blow that up to 1e-8.
    if x < 1e-12 { 0.0 } else { x.sqrt() }
}

/// Lines Q + λM ≥ h. Vertices of {all lines, M ≥ 0}.
fn vertices(lines: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut cands: Vec<(f64, f64)> = Vec::new();
    for &(_, h) in lines {
        cands.push((h, 0.0)); // on M = 0
    }
    for i in 0..lines.len() {
        for j in (i + 1)..lines.len() {
            let (l1, h1) = lines[i];
            let (l2, h2) = lines[j];
            if (l1 - l2).abs() < 1e-15 {
                continue;
            }
            // Q + l1 M = h1, Q + l2 M = h2  => M = (h1 - h2)/(l1 - l2)
            let m = (h1 - h2) / (l1 - l2);
            if m < 0.0 {
                continue;
            }
            cands.push((h1 - l1 * m, m));
        }
    }
    cands
        .into_iter()
        .filter(|&(q, m)| {
            lines
                .iter()
                .all(|&(l, h)| q + l * m >= h - 1e-9 * (1.0 + h.abs()))
        })
        .collect()
}

/// Compute the group bound, or `None` when the fall-back (CV ≥ 0) applies.
pub(crate) fn group_bound(model: &Model, g: usize) -> Option<GroupBound> {
    let stage = Model::group_stage(g);
    let ind = Model::group_ind(g);
    let weight = model.cv_weight(ind);
    let parts: Vec<usize> = (0..model.parts.len())
        .filter(|&p| model.parts[p].stage == stage && model.parts[p].included)
        .collect();
    let local = |p: usize| parts.iter().position(|&x| x == p);
    let np = parts.len();
    if np == 0 {
        return None;
    }
    let mut fixed = vec![0i64; np];
    // class key: (local part, half share?) -> index
    let mut classes: Vec<(usize, i64, Vec<Option<f64>>)> = Vec::new();
    let mut class_of: std::collections::HashMap<(usize, bool, bool), usize> = Default::default();
    for t in 0..model.nt {
        if model.t_stage[t] != stage || !model.has_attr(t, ind) {
            continue;
        }
        let home_part = model.part_of(model.t_locked_dest(t).unwrap_or(model.t_school[t]), stage);
        let Some(home_part) = home_part else { continue };
        let home_inc = model.parts[home_part].included;
        if !model.t_free[t] {
            if home_inc {
                fixed[local(home_part).unwrap_or(0)] += 1;
            }
            continue;
        }
        // movable teacher: every allowed destination must have the same inclusion status, else fall back
        for &j in &model.t_dests[t] {
            let pj = model.part_of(j, stage)?;
            if model.parts[pj].included != home_inc {
                return None;
            }
        }
        if !home_inc {
            continue;
        }
        let a = local(home_part).unwrap_or(0);
        let half = model.groups_of(t) == 2;
        let gap_extra = model.bound_cost(t, t_any_dest(model, t))
            - model.move_cost(model.t_school[t], t_any_dest(model, t));
        let key = (a, half, gap_extra > 0.0);
        let idx = *class_of.entry(key).or_insert_with(|| {
            let school = model.t_school[t];
            let costs: Vec<Option<f64>> = parts
                .iter()
                .map(|&p| {
                    let j = model.parts[p].school;
                    if j == school || !model.reachable(school, j, stage) {
                        None
                    } else {
                        Some(
                            (model.move_cost(school, j) + gap_extra) * if half { 0.5 } else { 1.0 },
                        )
                    }
                })
                .collect();
            classes.push((a, 0, costs));
            classes.len() - 1
        });
        classes[idx].1 += 1;
    }
    let enrol: Vec<f64> = parts
        .iter()
        .map(|&p| f64::from(model.parts[p].enrolment))
        .collect();
    let net = GroupNet {
        parts: parts.clone(),
        enrol,
        fixed,
        classes,
    };
    let psum: f64 = net.enrol.iter().sum();
    let total: f64 =
        (net.fixed.iter().sum::<i64>() + net.classes.iter().map(|c| c.1).sum::<i64>()) as f64;
    if total <= 0.0 {
        return Some(GroupBound {
            vertices: vec![(0.0, 0.0)],
            psum,
            total,
            weight,
        });
    }
    let mut lines: Vec<(f64, f64)> = Vec::new();
    let (q0, _) = net.solve(0.0);
    lines.push((0.0, q0));
    // Scale of λ: the slope dQ/dCV at the unconstrained optimum times a typical move cost.
    let cv0 = cv_of(q0, psum, total).max(1e-3);
    let dq_dcv = 2.0 * total * total * cv0 / psum;
    let base = dq_dcv / weight.max(1e-9);
    let mut lams: Vec<f64> = (-8..=8).map(|e| base * 2f64.powi(e)).collect();
    for round in 0..3 {
        for &l in &lams {
            let (q, m) = net.solve(l);
            lines.push((l, q + l * m));
        }
        if round == 2 {
            break;
        }
        // refine around the best vertex for α = 1/2 (a typical split)
        let gb = GroupBound {
            vertices: vertices(&lines),
            psum,
            total,
            weight,
        };
        let best = gb
            .vertices
            .iter()
            .copied()
            .min_by(|a, b| {
                let fa = weight * cv_of(a.0, psum, total) + 0.5 * a.1;
                let fb = weight * cv_of(b.0, psum, total) + 0.5 * b.1;
                fa.total_cmp(&fb)
            })
            .unwrap_or((q0, 0.0));
        let cvb = cv_of(best.0, psum, total).max(1e-6);
        let slope = 2.0 * total * total * cvb / psum / weight.max(1e-9) * 0.5;
        lams = vec![slope * 0.7, slope * 0.85, slope, slope * 1.2, slope * 1.5];
        let _ = round;
    }
    Some(GroupBound {
        vertices: vertices(&lines),
        psum,
        total,
        weight,
    })
}

/// The full lower bound (max over cost splits).
pub(crate) fn lower_bound(model: &Model) -> f64 {
    let groups: Vec<Option<GroupBound>> = (0..N_GROUPS).map(|g| group_bound(model, g)).collect();
    let constant = model.locked_constant();
    let quota_part = model.quota_cost_floor();
    let splits = [
        (1.0, 0.0, 0.0),
        (0.8, 0.2, 0.0),
        (0.6, 0.4, 0.0),
        (0.5, 0.5, 0.0),
        (0.4, 0.6, 0.0),
        (0.5, 0.25, 0.25),
        (0.6, 0.2, 0.2),
        (0.8, 0.1, 0.1),
        (0.34, 0.33, 0.33),
        (0.2, 0.4, 0.4),
        (0.0, 0.5, 0.5),
        (0.0, 1.0, 0.0),
        (0.0, 0.0, 1.0),
    ];
    let mut best = f64::NEG_INFINITY;
    for (a, b, c) in splits {
        let gsum: f64 = groups.iter().flatten().map(|g| g.value(a)).sum();
        let v = constant + gsum + b * quota_part + model.shortage_floor(c);
        best = best.max(v);
    }
    // guard against rounding in the sums
    best - 1e-9 * (1.0 + best.abs())
}

fn t_any_dest(model: &Model, t: usize) -> usize {
    model.t_dests[t]
        .first()
        .copied()
        .unwrap_or(model.t_school[t])
}
