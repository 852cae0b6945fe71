//! Distances and a spatial index, so that candidate (member, core) pairs are found without comparing
//! every pair of schools.

use std::collections::HashMap;

/// Mean Earth radius (IUGG), kilometres.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Great-circle distance in kilometres (haversine formula).
pub fn haversine_km(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// A point on the sphere of radius [`EARTH_RADIUS_KM`], in kilometres (Earth-centred coordinates).
/// The straight-line (chord) distance between two such points never exceeds their great-circle
/// distance, so a chord search of radius `r` finds every point within great-circle distance `r`.
pub fn to_xyz(lon: f64, lat: f64) -> [f64; 3] {
    let (la, lo) = (lat.to_radians(), lon.to_radians());
    [
        EARTH_RADIUS_KM * la.cos() * lo.cos(),
        EARTH_RADIUS_KM * la.cos() * lo.sin(),
        EARTH_RADIUS_KM * la.sin(),
    ]
}

/// A uniform 3-D grid of cubes with side `cell` km over points on the sphere. A query of radius
/// `r ≤ cell` visits the 27 cubes around the query point.
pub struct Grid {
    cell: f64,
    buckets: HashMap<(i64, i64, i64), Vec<usize>>,
}

impl Grid {
    pub fn new(cell: f64, points: impl IntoIterator<Item = (usize, [f64; 3])>) -> Self {
        let mut buckets: HashMap<(i64, i64, i64), Vec<usize>> = HashMap::new();
        for (i, p) in points {
            buckets.entry(key(cell, p)).or_default().push(i);
        }
        Grid { cell, buckets }
    }

    /// Every indexed point whose cube is adjacent to the cube of `p` (a superset of the points within
    /// chord distance `cell`). The order is unspecified: callers sort.
    pub fn near(&self, p: [f64; 3], out: &mut Vec<usize>) {
        let (x, y, z) = key(self.cell, p);
        for dx in -1..=1 {
            for dy in -1..=1 {
                for dz in -1..=1 {
                    if let Some(b) = self.buckets.get(&(x + dx, y + dy, z + dz)) {
                        out.extend_from_slice(b);
                    }
                }
            }
        }
    }
}

fn key(cell: f64, p: [f64; 3]) -> (i64, i64, i64) {
    (
        (p[0] / cell).floor() as i64,
        (p[1] / cell).floor() as i64,
        (p[2] / cell).floor() as i64,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_known_values() {
        // One degree of latitude ≈ 111.195 km.
        assert!((haversine_km(120.0, 30.0, 120.0, 31.0) - 111.195).abs() < 0.01);
        assert_eq!(haversine_km(120.0, 30.0, 120.0, 30.0), 0.0);
        // Hangzhou – Shanghai ≈ 165 km.
        let d = haversine_km(120.1551, 30.2741, 121.4737, 31.2304);
        assert!((160.0..170.0).contains(&d), "{d}");
    }

    #[test]
    fn chord_never_exceeds_great_circle() {
        for &(a, b) in &[
            ((120.0, 30.0), (120.3, 30.2)),
            ((0.0, 89.9), (180.0, 89.9)),
            ((-179.9, 0.0), (179.9, 0.0)),
        ] {
            let (p, q) = (to_xyz(a.0, a.1), to_xyz(b.0, b.1));
            let chord =
                ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt();
            assert!(chord <= haversine_km(a.0, a.1, b.0, b.1) + 1e-9);
        }
    }

    #[test]
    fn grid_finds_all_neighbours_across_the_antimeridian() {
        let pts = [(-179.99, 10.0), (179.99, 10.0), (0.0, 10.0)];
        let g = Grid::new(
            30.0,
            pts.iter()
                .enumerate()
                .map(|(i, &(lo, la))| (i, to_xyz(lo, la))),
        );
        let mut out = vec![];
        g.near(to_xyz(pts[0].0, pts[0].1), &mut out);
        out.sort();
        assert_eq!(out, vec![0, 1]);
    }
}
