//! A small min-cost flow solver with convex (piecewise-linear, integer breakpoints) arc costs, by successive
//! shortest paths (SPFA on the residual graph). Started from the zero flow on a graph without cycles, every
//! augmentation keeps the residual graph free of negative cycles, so the flow it stops at is a minimum-cost
//! flow of its value; it routes while an augmenting path of negative cost exists, hence it returns a
//! minimum-cost flow over all flow values. Convex arc costs with integer breakpoints make the integer flow
//! optimal among fractional ones as well.

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

    /// Route from `s` to `t` while a negative-cost augmenting path exists. Returns false when the path search
    /// had to give up (a cycle that only rounding makes negative could keep it relaxing); then the flow is
    /// not proven optimal and callers must not use its value as a bound.
    #[must_use]
    pub fn run(&mut self, s: usize, t: usize) -> bool {
        let n = self.out.len();
        // relaxations per path search before giving up (Bellman–Ford needs at most n·arcs)
        let limit = (n as u64 + 1) * (self.from.len() as u64 + 1) + 1000;
        let mut dist = vec![f64::INFINITY; n];
        // pred: (arc, forward?)
        let mut pred: Vec<(usize, bool)> = vec![(usize::MAX, true); n];
        let mut inq = vec![false; n];
        let mut queue = std::collections::VecDeque::new();
        loop {
            dist.iter_mut().for_each(|d| *d = f64::INFINITY);
            dist[s] = 0.0;
            queue.clear();
            queue.push_back(s);
            inq[s] = true;
            let mut pops: u64 = 0;
            while let Some(u) = queue.pop_front() {
                pops += 1;
                if pops > limit {
                    return false;
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
            if dist[t] >= -tol(dist[t]) {
                return true;
            }
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
}
