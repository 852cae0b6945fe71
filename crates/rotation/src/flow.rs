//! A small min-cost flow solver with convex (piecewise-linear, integer breakpoints) arc costs, by successive
//! shortest paths (SPFA on the residual graph). Started from the zero flow on a graph without cycles, every
//! augmentation keeps the residual graph free of negative cycles, so the flow it stops at is a minimum-cost
//! flow of its value; it routes while an augmenting path of negative cost exists, hence it returns a
//! minimum-cost flow over all flow values. Convex arc costs with integer breakpoints make the integer flow
//! optimal among fractional ones as well.

/// A heap key: a cost (totally ordered) and an index that breaks ties.
#[derive(PartialEq)]
pub(crate) struct K(pub f64, pub usize);
impl Eq for K {}
impl PartialOrd for K {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for K {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0).then(self.1.cmp(&o.1))
    }
}

pub(crate) const BIG: f64 = 1e6;
const EPS: f64 = 1e-12;

/// Improvement needed to relax a label: absolute 1e-12 plus 1e-14 relative, above the rounding of sums
/// that contain `BIG` (whose last bit is ~1e-10) and far below any cost difference of a unit.
fn tol(x: f64) -> f64 {
    EPS + 1e-14 * x.abs()
}

/// Cost of an arc: linear, or convex steps `(end, unit cost)`: unit `x` (0-based) costs the first step
/// with `end > x`. Unit costs must be non-decreasing.
#[derive(Clone, Debug)]
pub(crate) enum Cost {
    Lin(f64),
    Steps(Vec<(i64, f64)>),
}

#[derive(Default)]
pub(crate) struct Net {
    pub from: Vec<usize>,
    pub to: Vec<usize>,
    pub cap: Vec<i64>,
    pub flow: Vec<i64>,
    cost: Vec<Cost>,
    out: Vec<Vec<usize>>,
    inn: Vec<Vec<usize>>,
}

impl Net {
    pub fn new(n: usize) -> Self {
        Net {
            out: vec![Vec::new(); n],
            inn: vec![Vec::new(); n],
            ..Default::default()
        }
    }

    pub fn add(&mut self, u: usize, v: usize, cap: i64, cost: Cost) -> usize {
        let id = self.from.len();
        self.from.push(u);
        self.to.push(v);
        self.cap.push(cap.max(0));
        self.flow.push(0);
        self.cost.push(cost);
        self.out[u].push(id);
        self.inn[v].push(id);
        id
    }

    fn unit(&self, a: usize, x: i64) -> f64 {
        match &self.cost[a] {
            Cost::Lin(c) => *c,
            Cost::Steps(s) => s
                .iter()
                .find(|(end, _)| *end > x)
                .or(s.last())
                .map_or(0.0, |x| x.1),
        }
    }

    /// Units that can be pushed forward (resp. pulled back) at the current unit cost.
    fn run_fwd(&self, a: usize) -> i64 {
        let f = self.flow[a];
        let room = self.cap[a] - f;
        match &self.cost[a] {
            Cost::Lin(_) => room,
            Cost::Steps(s) => {
                let end = s.iter().find(|(e, _)| *e > f).map_or(i64::MAX, |x| x.0);
                room.min(end - f)
            }
        }
    }
    fn run_bwd(&self, a: usize) -> i64 {
        let f = self.flow[a];
        match &self.cost[a] {
            Cost::Lin(_) => f,
            Cost::Steps(s) => {
                let prev = s
                    .iter()
                    .take_while(|(e, _)| *e < f)
                    .last()
                    .map_or(0, |x| x.0);
                f - prev
            }
        }
    }

    pub fn arc_cost(&self, a: usize) -> f64 {
        let f = self.flow[a];
        match &self.cost[a] {
            Cost::Lin(c) => c * f as f64,
            Cost::Steps(s) => {
                let mut tot = 0.0;
                let mut start = 0;
                for &(end, c) in s {
                    if start >= f {
                        break;
                    }
                    tot += (end.min(f) - start) as f64 * c;
                    start = end;
                }
                if f > start
                    && let Some(&(_, c)) = s.last()
                {
                    tot += (f - start) as f64 * c;
                }
                tot
            }
        }
    }

    /// Route from `s` to `t` while a negative-cost augmenting path exists, as [`Net::run_spfa`] does, but with
    /// one Bellman–Ford pass (SPFA) for the initial potentials and Dijkstra on reduced costs after it
    /// (successive shortest paths with Johnson potentials; the steps of a convex arc are traversed one at a
    /// time, so the reduced costs of the residual arcs stay non-negative up to rounding, which is clamped).
    /// Returns false when the first pass had to give up (see [`Net::run_spfa`]).
    #[must_use]
    pub fn run(&mut self, s: usize, t: usize) -> bool {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let n = self.out.len();
        let mut pred: Vec<(usize, bool)> = vec![(usize::MAX, true); n];
        // initial potentials: shortest distances from s on the zero flow (some costs are negative)
        let Some(mut pot) = self.spfa(s, &mut pred) else {
            return false;
        };
        let mut dist = vec![f64::INFINITY; n];
        let mut done = vec![false; n];
        let mut heap: BinaryHeap<Reverse<K>> = BinaryHeap::new();
        if !pot[t].is_finite() {
            return true;
        }
        // first augmentation uses the SPFA labels directly
        let mut first = true;
        loop {
            let cost_t;
            if first {
                first = false;
                cost_t = pot[t];
            } else {
                dist.iter_mut().for_each(|d| *d = f64::INFINITY);
                done.iter_mut().for_each(|d| *d = false);
                heap.clear();
                dist[s] = 0.0;
                heap.push(Reverse(K(0.0, s)));
                let mut bound = f64::INFINITY;
                while let Some(Reverse(K(du, u))) = heap.pop() {
                    if done[u] || du > dist[u] {
                        continue;
                    }
                    done[u] = true;
                    if u == t {
                        bound = du;
                        break;
                    }
                    if !pot[u].is_finite() {
                        continue;
                    }
                    for &a in &self.out[u] {
                        if self.flow[a] < self.cap[a] {
                            let v = self.to[a];
                            if done[v] || !pot[v].is_finite() {
                                continue;
                            }
                            let rc = (self.unit(a, self.flow[a]) + pot[u] - pot[v]).max(0.0);
                            let nd = du + rc;
                            if nd < dist[v] {
                                dist[v] = nd;
                                pred[v] = (a, true);
                                heap.push(Reverse(K(nd, v)));
                            }
                        }
                    }
                    for &a in &self.inn[u] {
                        if self.flow[a] > 0 {
                            let v = self.from[a];
                            if done[v] || !pot[v].is_finite() {
                                continue;
                            }
                            let rc = (-self.unit(a, self.flow[a] - 1) + pot[u] - pot[v]).max(0.0);
                            let nd = du + rc;
                            if nd < dist[v] {
                                dist[v] = nd;
                                pred[v] = (a, false);
                                heap.push(Reverse(K(nd, v)));
                            }
                        }
                    }
                }
                if !bound.is_finite() {
                    return true;
                }
                // potentials: settled nodes by their distance, the others by the distance of t
                for v in 0..n {
                    if pot[v].is_finite() {
                        pot[v] += if done[v] { dist[v] } else { bound };
                    }
                }
                cost_t = pot[t] - pot[s];
            }
            if cost_t >= -tol(cost_t) {
                return true;
            }
            self.augment(s, t, &pred);
        }
    }

    fn augment(&mut self, s: usize, t: usize, pred: &[(usize, bool)]) {
        let mut amt = i64::MAX;
        let mut v = t;
        while v != s {
            let (a, fwd) = pred[v];
            if fwd {
                amt = amt.min(self.run_fwd(a));
                v = self.from[a];
            } else {
                amt = amt.min(self.run_bwd(a));
                v = self.to[a];
            }
        }
        let amt = amt.max(1);
        let mut v = t;
        while v != s {
            let (a, fwd) = pred[v];
            if fwd {
                self.flow[a] += amt;
                v = self.from[a];
            } else {
                self.flow[a] -= amt;
                v = self.to[a];
            }
        }
    }

    /// Shortest distances from `s` in the residual graph (SPFA), with the path tree in `pred`; None when it
    /// had to give up.
    fn spfa(&self, s: usize, pred: &mut [(usize, bool)]) -> Option<Vec<f64>> {
        let n = self.out.len();
        let limit = (n as u64 + 1) * (self.from.len() as u64 + 1) + 1000;
        let mut dist = vec![f64::INFINITY; n];
        let mut inq = vec![false; n];
        let mut queue = std::collections::VecDeque::new();
        dist[s] = 0.0;
        queue.push_back(s);
        inq[s] = true;
        let mut pops: u64 = 0;
        while let Some(u) = queue.pop_front() {
            pops += 1;
            if pops > limit {
                return None;
            }
            inq[u] = false;
            let du = dist[u];
            for &a in &self.out[u] {
                if self.flow[a] < self.cap[a] {
                    let v = self.to[a];
                    let nd = du + self.unit(a, self.flow[a]);
                    if nd < dist[v] - tol(nd) {
                        dist[v] = nd;
                        pred[v] = (a, true);
                        if !inq[v] {
                            inq[v] = true;
                            queue.push_back(v);
                        }
                    }
                }
            }
            for &a in &self.inn[u] {
                if self.flow[a] > 0 {
                    let v = self.from[a];
                    let nd = du - self.unit(a, self.flow[a] - 1);
                    if nd < dist[v] - tol(nd) {
                        dist[v] = nd;
                        pred[v] = (a, false);
                        if !inq[v] {
                            inq[v] = true;
                            queue.push_back(v);
                        }
                    }
                }
            }
        }
        Some(dist)
    }

    /// Route from `s` to `t` while a negative-cost augmenting path exists. Returns false when the path search
    /// had to give up (a cycle that only rounding makes negative could keep it relaxing); then the flow is
    /// not proven optimal and callers must not use its value as a bound.
    #[must_use]
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn run_spfa(&mut self, s: usize, t: usize) -> bool {
        let mut pred: Vec<(usize, bool)> = vec![(usize::MAX, true); self.out.len()];
        loop {
            let Some(dist) = self.spfa(s, &mut pred) else {
                return false;
            };
            if dist[t] >= -tol(dist[t]) {
                return true;
            }
            self.augment(s, t, &pred);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn convex_flow_small() {
        // s -> a (2 units at -5), a -> t convex 1,2,3 ; s -> t direct cost -1 cap 1
        let mut n = Net::new(3);
        n.add(0, 1, 2, Cost::Lin(-5.0));
        let c = n.add(1, 2, 3, Cost::Steps(vec![(1, 1.0), (2, 2.0), (3, 3.0)]));
        n.add(0, 2, 1, Cost::Lin(-1.0));
        assert!(n.run(0, 2));
        assert_eq!(n.flow[c], 2);
        let tot: f64 = (0..3).map(|a| n.arc_cost(a)).sum();
        assert!((tot - (-10.0 + 3.0 - 1.0)).abs() < 1e-12);
    }

    /// Dijkstra with potentials and the plain SPFA reach the same minimum cost on random convex networks.
    #[test]
    fn dijkstra_matches_spfa() {
        let mut seed: u64 = 12345;
        let mut rnd = |k: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % k
        };
        for _ in 0..300 {
            // layered DAG s -> A -> B -> t with convex steps and negative costs
            let (na, nb) = (1 + rnd(5) as usize, 1 + rnd(5) as usize);
            let n = 2 + na + nb;
            let t = n - 1;
            let mut arcs = Vec::new();
            for a in 0..na {
                let steps = vec![
                    (1 + rnd(3) as i64, -(rnd(20) as f64)),
                    (i64::MAX, rnd(5) as f64),
                ];
                arcs.push((0, 1 + a, 1 + rnd(6) as i64, Cost::Steps(steps)));
                for b in 0..nb {
                    if rnd(3) > 0 {
                        let c = rnd(21) as f64 - 10.0;
                        arcs.push((1 + a, 1 + na + b, 1 + rnd(4) as i64, Cost::Lin(c)));
                    }
                }
            }
            for b in 0..nb {
                let first = rnd(7) as f64 - 3.0;
                let steps = vec![
                    (1 + rnd(2) as i64, first),
                    (i64::MAX, first + rnd(9) as f64),
                ];
                arcs.push((1 + na + b, t, 1 + rnd(6) as i64, Cost::Steps(steps)));
            }
            let build = || {
                let mut net = Net::new(n);
                for (u, v, c, cost) in &arcs {
                    net.add(*u, *v, *c, cost.clone());
                }
                net
            };
            let (mut x, mut y) = (build(), build());
            assert!(x.run(0, t));
            assert!(y.run_spfa(0, t));
            let cx: f64 = (0..x.from.len()).map(|a| x.arc_cost(a)).sum();
            let cy: f64 = (0..y.from.len()).map(|a| y.arc_cost(a)).sum();
            assert!((cx - cy).abs() < 1e-9, "{cx} vs {cy}");
        }
    }
}
