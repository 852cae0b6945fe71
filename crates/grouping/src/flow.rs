//! Min-cost flow by successive shortest paths with Dijkstra on reduced costs (Johnson potentials),
//! over a lexicographic cost: first the coverage term, then the money term (fixed-point integers).
//!
//! The theory of min-cost flow (optimality ⇔ no negative residual cycle; successive shortest paths
//! keep that invariant; path costs are non-decreasing; reduced costs stay non-negative under
//! potentials) holds over any totally ordered abelian group, so it holds for pairs ordered
//! lexicographically. Using pairs rather than a "big M" avoids overflow and rounding questions.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::{Add, Neg, Sub};

/// Lexicographic cost: `cover` first (−1 per newly covered school), then `money`
/// (the weighted km − lift objective in units of 10⁻⁶).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cost {
    pub cover: i64,
    pub money: i64,
}

impl Cost {
    pub const ZERO: Cost = Cost { cover: 0, money: 0 };
    /// Larger than any path cost that can occur (used as "unreached").
    pub const INF: Cost = Cost {
        cover: i64::MAX / 4,
        money: 0,
    };
    pub fn new(cover: i64, money: i64) -> Self {
        Cost { cover, money }
    }
}

impl Add for Cost {
    type Output = Cost;
    fn add(self, o: Cost) -> Cost {
        Cost::new(self.cover + o.cover, self.money + o.money)
    }
}
impl Sub for Cost {
    type Output = Cost;
    fn sub(self, o: Cost) -> Cost {
        Cost::new(self.cover - o.cover, self.money - o.money)
    }
}
impl Neg for Cost {
    type Output = Cost;
    fn neg(self) -> Cost {
        Cost::new(-self.cover, -self.money)
    }
}

#[derive(Debug, Clone)]
struct Edge {
    to: usize,
    cap: i64,
    cost: Cost,
}

/// A flow network. Edges are stored in pairs: edge `2k` is the arc added by the k-th `add_edge`,
/// edge `2k + 1` its residual reverse.
#[derive(Debug, Clone)]
pub struct Network {
    edges: Vec<Edge>,
    adj: Vec<Vec<usize>>,
}

/// What one run did (for [`crate::Stats`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct RunStats {
    pub augmentations: usize,
    /// Nodes settled by Dijkstra, summed over all searches.
    pub settled: usize,
    pub total: Cost,
}

impl Network {
    pub fn new(nodes: usize) -> Self {
        Network {
            edges: Vec::new(),
            adj: vec![Vec::new(); nodes],
        }
    }

    /// Adds an arc and returns its handle (for [`Network::flow`]).
    pub fn add_edge(&mut self, from: usize, to: usize, cap: i64, cost: Cost) -> usize {
        let id = self.edges.len();
        self.edges.push(Edge { to, cap, cost });
        self.edges.push(Edge {
            to: from,
            cap: 0,
            cost: -cost,
        });
        self.adj[from].push(id);
        self.adj[to].push(id + 1);
        id
    }

    /// Flow currently on the arc with this handle.
    pub fn flow(&self, arc: usize) -> i64 {
        self.edges[arc + 1].cap
    }

    /// Minimum-cost flow of any value from `hub` back to `hub`: the network's sink arcs point at
    /// `hub`, and `sources` are the only nodes fed by it (each by one arc of capacity 1 and cost 0,
    /// added here). In other words, a minimum-cost *circulation* where the source and the sink are
    /// the same node. The network given must not yet contain arcs leaving `hub`, and without them
    /// it must be acyclic.
    ///
    /// Why this is the min-cost s–t flow of any value: an s–t flow of any value is a circulation
    /// once an arc `t → s` (cost 0, unbounded) is added; merging `t` into `s` loses nothing, because
    /// a shortest path never needs to pass through `t` and go on (the detour `t ⇝ s` closes a
    /// residual cycle with the reverse of `t → s`, which is never negative at an optimum).
    ///
    /// Method: start from the zero circulation without the arcs `hub → source` (optimal: the
    /// network is then acyclic). Add those arcs one at a time. When an arc of capacity 1 is added
    /// to a network whose circulation is optimal, the new optimum is the old one plus the cheapest
    /// cycle through the new arc, if that cycle is negative (decompose the difference of the two
    /// circulations into residual cycles: those avoiding the new arc are not negative, by
    /// optimality of the old one, and at most one unit crosses the new arc). The cheapest cycle
    /// through `hub → v` is that arc plus a shortest path from `v` to `hub` in the residual network,
    /// found by Dijkstra on reduced costs (Johnson potentials, kept feasible after each step),
    /// stopped as soon as `hub` is settled. Each search starts at one source and stays local.
    ///
    /// `order`: a topological order of the nodes other than `hub` (initial network), used for the
    /// initial potentials (shortest distances from the set of sources).
    pub fn min_cost_any_flow(
        &mut self,
        hub: usize,
        sources: &[usize],
        order: &[usize],
    ) -> RunStats {
        let n = self.adj.len();
        let s = hub;
        // Initial potentials: shortest distances from the set of sources in the DAG (negative costs
        // allowed); nodes not reachable keep 0, which is feasible since no arc leads to them.
        let mut h = vec![Cost::INF; n];
        for &v in sources {
            h[v] = Cost::ZERO;
        }
        for &u in order.iter().chain([&s]) {
            if h[u] == Cost::INF {
                continue;
            }
            for &e in &self.adj[u] {
                let ed = &self.edges[e];
                if ed.cap > 0 && h[u] + ed.cost < h[ed.to] {
                    h[ed.to] = h[u] + ed.cost;
                }
            }
        }
        for x in h.iter_mut() {
            if *x == Cost::INF {
                *x = Cost::ZERO;
            }
        }

        let mut stats = RunStats::default();
        let mut dist = vec![Cost::INF; n];
        let mut done = vec![false; n];
        let mut prev = vec![usize::MAX; n];
        let mut touched: Vec<usize> = Vec::new();
        let mut heap = BinaryHeap::new();
        for &v in sources {
            let closing = self.add_edge(s, v, 1, Cost::ZERO);
            // Dijkstra from v on reduced costs, stopped as soon as s is settled.
            for &u in &touched {
                dist[u] = Cost::INF;
                done[u] = false;
                prev[u] = usize::MAX;
            }
            touched.clear();
            dist[v] = Cost::ZERO;
            touched.push(v);
            heap.push(Reverse((Cost::ZERO, v)));
            while let Some(Reverse((d, u))) = heap.pop() {
                if done[u] || d > dist[u] {
                    continue;
                }
                done[u] = true;
                stats.settled += 1;
                if u == s {
                    break;
                }
                for &e in &self.adj[u] {
                    let ed = &self.edges[e];
                    if ed.cap <= 0 || done[ed.to] {
                        continue;
                    }
                    let nd = d + ed.cost + h[u] - h[ed.to];
                    debug_assert!(nd >= d, "negative reduced cost");
                    if nd < dist[ed.to] {
                        if dist[ed.to] == Cost::INF {
                            touched.push(ed.to);
                        }
                        dist[ed.to] = nd;
                        prev[ed.to] = e;
                        heap.push(Reverse((nd, ed.to)));
                    }
                }
            }
            heap.clear();
            if !done[s] {
                // v cannot reach s (it has no usable arc): leave it out for good.
                self.edges[closing].cap = 0;
                continue;
            }
            let ds = dist[s];
            // True cost of the cycle s → v ⇝ s.
            let cycle = ds + h[s] - h[v];
            // Potential update h += min(dist, dist[s]) keeps every reduced cost non-negative
            // (nodes not settled have true distance ≥ dist[s]). Adding dist[s] to every node
            // changes no reduced cost, so only settled nodes are updated, by dist − dist[s].
            // After it, the new arc has reduced cost `cycle` (≥ 0 when it is left empty) and its
            // reverse `−cycle` (> 0 when the cycle is used).
            for &u in &touched {
                if done[u] {
                    h[u] = h[u] + dist[u] - ds;
                }
            }
            if cycle >= Cost::ZERO {
                continue;
            }
            let mut u = s;
            while u != v {
                let e = prev[u];
                self.edges[e].cap -= 1;
                self.edges[e ^ 1].cap += 1;
                u = self.edges[e ^ 1].to;
            }
            self.edges[closing].cap -= 1;
            self.edges[closing ^ 1].cap += 1;
            stats.augmentations += 1;
            stats.total = stats.total + cycle;
        }
        stats
    }
}

/// One candidate pair of [`assign`]: the core's index and the cost of the pair.
pub type Pair = (usize, Cost);

/// The same algorithm as [`Network::min_cost_any_flow`], specialised to the grouping network
/// (hub → member → core → hub), so that a core scans only its current members rather than the
/// reverse arcs of every candidate pair. The residual network is implicit:
/// * member `m` → core `c` for each candidate pair not in use (cost of the pair);
/// * core `c` → member `m` for each member of `c` (minus the cost of their pair);
/// * core `c` → hub while `load[c] < cap[c]`: cost `(−1, 0)` for the first member of a core with
///   `bonus`, else 0 (the convex per-core cost: the bonus arc is always filled first, and loads
///   never decrease because no search passes through the hub);
/// * member `m` → hub for each assigned member (dropping it), cost 0.
///
/// `pairs[m]` lists member `m`'s candidate pairs. Members are added in index order. Returns, for
/// each member, the index in `pairs[m]` of its pair, if assigned.
pub fn assign(
    pairs: &[Vec<Pair>],
    cap: &[usize],
    bonus: &[bool],
) -> (Vec<Option<usize>>, RunStats) {
    let nm = pairs.len();
    let nc = cap.len();
    let hub = nm + nc;
    let core = |c: usize| nm + c;
    let sink_cost = |c: usize, load: usize| -> Option<Cost> {
        (load < cap[c]).then(|| {
            if bonus[c] && load == 0 {
                Cost::new(-1, 0)
            } else {
                Cost::ZERO
            }
        })
    };
    // Initial potentials: shortest distances from the set of members (all at 0) in the DAG.
    let mut h = vec![Cost::INF; nm + nc + 1];
    for x in h.iter_mut().take(nm) {
        *x = Cost::ZERO;
    }
    for list in pairs {
        for &(c, cost) in list {
            if cost < h[core(c)] {
                h[core(c)] = cost;
            }
        }
    }
    for c in 0..nc {
        if h[core(c)] == Cost::INF {
            h[core(c)] = Cost::ZERO; // no pair: never reached
        } else if let Some(k) = sink_cost(c, 0)
            && h[core(c)] + k < h[hub]
        {
            h[hub] = h[core(c)] + k;
        }
    }
    if h[hub] == Cost::INF {
        h[hub] = Cost::ZERO;
    }

    let mut assigned: Vec<Option<usize>> = vec![None; nm];
    let mut members_of: Vec<Vec<usize>> = vec![Vec::new(); nc];
    let mut stats = RunStats::default();
    let n = nm + nc + 1;
    let mut dist = vec![Cost::INF; n];
    let mut done = vec![false; n];
    // Predecessor node, and for a core reached from a member the pair index used.
    let mut prev = vec![usize::MAX; n];
    let mut prev_pair = vec![usize::MAX; n];
    let mut touched: Vec<usize> = Vec::new();
    let mut heap = BinaryHeap::new();
    for v in 0..nm {
        if pairs[v].is_empty() {
            continue;
        }
        for &u in &touched {
            dist[u] = Cost::INF;
            done[u] = false;
        }
        touched.clear();
        dist[v] = Cost::ZERO;
        touched.push(v);
        heap.push(Reverse((Cost::ZERO, v)));
        let mut relax = |from: usize,
                         to: usize,
                         d: Cost,
                         pair: usize,
                         dist: &mut Vec<Cost>,
                         heap: &mut BinaryHeap<_>,
                         touched: &mut Vec<usize>| {
            let nd = d + h[from] - h[to];
            if nd < dist[to] {
                if dist[to] == Cost::INF {
                    touched.push(to);
                }
                dist[to] = nd;
                prev[to] = from;
                prev_pair[to] = pair;
                heap.push(Reverse((nd, to)));
            }
        };
        while let Some(Reverse((d, u))) = heap.pop() {
            if done[u] || d > dist[u] {
                continue;
            }
            done[u] = true;
            stats.settled += 1;
            if u == hub {
                break;
            }
            if u < nm {
                for (i, &(c, cost)) in pairs[u].iter().enumerate() {
                    if assigned[u] != Some(i) && !done[core(c)] {
                        relax(u, core(c), d + cost, i, &mut dist, &mut heap, &mut touched);
                    }
                }
                if assigned[u].is_some() {
                    relax(u, hub, d, usize::MAX, &mut dist, &mut heap, &mut touched);
                }
            } else {
                let c = u - nm;
                for &m in &members_of[c] {
                    if !done[m] {
                        let back =
                            -pairs[m][assigned[m].expect("a member of a core is assigned")].1;
                        relax(
                            u,
                            m,
                            d + back,
                            usize::MAX,
                            &mut dist,
                            &mut heap,
                            &mut touched,
                        );
                    }
                }
                if let Some(k) = sink_cost(c, members_of[c].len()) {
                    relax(
                        u,
                        hub,
                        d + k,
                        usize::MAX,
                        &mut dist,
                        &mut heap,
                        &mut touched,
                    );
                }
            }
        }
        heap.clear();
        debug_assert!(done[hub], "a member with a pair always reaches the hub");
        if !done[hub] {
            continue;
        }
        let dh = dist[hub];
        let cycle = dh + h[hub] - h[v];
        for &u in &touched {
            if done[u] {
                h[u] = h[u] + dist[u] - dh;
            }
        }
        if cycle >= Cost::ZERO {
            continue;
        }
        // Apply the path backwards from the hub.
        let mut b = hub;
        while b != v {
            let a = prev[b];
            if a < nm {
                if b == hub {
                    assigned[a] = None;
                } else {
                    assigned[a] = Some(prev_pair[b]);
                    members_of[b - nm].push(a);
                }
            } else if b != hub {
                let list = &mut members_of[a - nm];
                let pos = list
                    .iter()
                    .position(|&m| m == b)
                    .expect("member of the core");
                list.swap_remove(pos);
            }
            b = a;
        }
        stats.augmentations += 1;
        stats.total = stats.total + cycle;
    }
    (assigned, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_only_profitable_flow() {
        // a→t (cost −2) profitable; b→t (cost 1) not.
        let mut g = Network::new(3);
        let (s, a, b) = (0, 1, 2);
        let at = g.add_edge(a, s, 1, Cost::new(0, -2));
        let bt = g.add_edge(b, s, 1, Cost::new(0, 1));
        let r = g.min_cost_any_flow(s, &[a, b], &[a, b]);
        assert_eq!((g.flow(at), g.flow(bt)), (1, 0));
        assert_eq!(r.total, Cost::new(0, -2));
    }

    #[test]
    fn reroutes_for_coverage_before_money() {
        // Two members x, y; two cores p, q of capacity 1. x can go to p (cheap) or q; y only to p.
        // Coverage wants both placed: x→q, y→p even though x→p is cheaper.
        let (s, x, y, p, q) = (0, 1, 2, 3, 4);
        let t = s;
        let mut g = Network::new(5);
        let xp = g.add_edge(x, p, 1, Cost::new(-1, -100));
        let xq = g.add_edge(x, q, 1, Cost::new(-1, 50));
        let yp = g.add_edge(y, p, 1, Cost::new(-1, 10));
        g.add_edge(p, t, 1, Cost::ZERO);
        g.add_edge(q, t, 1, Cost::ZERO);
        let r = g.min_cost_any_flow(s, &[x, y], &[x, y, p, q]);
        assert_eq!((g.flow(xp), g.flow(xq), g.flow(yp)), (0, 1, 1));
        assert_eq!(r.total, Cost::new(-2, 60));
    }

    /// The specialised solver and the generic network agree on random mid-sized instances.
    #[test]
    fn assign_agrees_with_the_generic_network() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for round in 0..300 {
            let nm = rng.random_range(1..40);
            let nc = rng.random_range(1..15);
            let cap: Vec<usize> = (0..nc).map(|_| rng.random_range(1..4)).collect();
            let bonus: Vec<bool> = (0..nc).map(|_| rng.random_bool(0.8)).collect();
            let pairs: Vec<Vec<Pair>> = (0..nm)
                .map(|_| {
                    let mut cs: Vec<usize> = (0..nc).filter(|_| rng.random_bool(0.3)).collect();
                    cs.dedup();
                    cs.into_iter()
                        .map(|c| (c, Cost::new(-1, rng.random_range(-100..100))))
                        .collect()
                })
                .collect();
            let (assigned, fast) = assign(&pairs, &cap, &bonus);
            // Feasibility and the claimed total.
            let mut load = vec![0; nc];
            let mut total = Cost::ZERO;
            for (m, a) in assigned.iter().enumerate() {
                if let Some(i) = *a {
                    let (c, cost) = pairs[m][i];
                    load[c] += 1;
                    total = total + cost;
                }
            }
            for c in 0..nc {
                assert!(load[c] <= cap[c]);
                if bonus[c] && load[c] > 0 {
                    total = total + Cost::new(-1, 0);
                }
            }
            assert_eq!(total, fast.total, "round {round}");
            // Generic network.
            let mut g = Network::new(1 + nm + nc);
            for (m, list) in pairs.iter().enumerate() {
                for &(c, cost) in list {
                    g.add_edge(1 + m, 1 + nm + c, 1, cost);
                }
            }
            for c in 0..nc {
                if bonus[c] {
                    g.add_edge(1 + nm + c, 0, 1, Cost::new(-1, 0));
                    if cap[c] > 1 {
                        g.add_edge(1 + nm + c, 0, cap[c] as i64 - 1, Cost::ZERO);
                    }
                } else {
                    g.add_edge(1 + nm + c, 0, cap[c] as i64, Cost::ZERO);
                }
            }
            let sources: Vec<usize> = (1..=nm).collect();
            let order: Vec<usize> = (1..1 + nm + nc).collect();
            let slow = g.min_cost_any_flow(0, &sources, &order);
            assert_eq!(fast.total, slow.total, "round {round}");
        }
    }
}
