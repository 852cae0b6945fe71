//! Small helpers over the seeded generator. Everything random goes through a `ChaCha8Rng` seeded
//! from the caller's seed, so a (scale, seed) pair always gives the same dataset.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub(crate) type R = ChaCha8Rng;

/// The generator for one named part of the dataset (a county's schools, its teachers …), derived
/// from the dataset seed so that parts do not depend on each other's draws: 曾都区 comes out the
/// same at district, city and province scale.
pub(crate) fn sub_rng(seed: u64, key: &str, salt: u64) -> R {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    ChaCha8Rng::seed_from_u64(splitmix64(seed ^ h))
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

pub(crate) fn pick<'a, T>(rng: &mut R, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

/// Picks by integer weight.
pub(crate) fn pick_w<T: Copy>(rng: &mut R, xs: &[(T, u32)]) -> T {
    let total: u32 = xs.iter().map(|x| x.1).sum();
    let mut r = rng.random_range(0..total);
    for &(x, w) in xs {
        if r < w {
            return x;
        }
        r -= w;
    }
    xs[xs.len() - 1].0
}

pub(crate) fn chance(rng: &mut R, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}

pub(crate) fn uniform(rng: &mut R, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

pub(crate) fn int(rng: &mut R, lo: i64, hi_inclusive: i64) -> i64 {
    rng.random_range(lo..=hi_inclusive)
}

/// Draws up to `n` distinct indices of `pool` by weight, without replacement.
pub(crate) fn sample_weighted(rng: &mut R, pool: &[(usize, u32)], n: usize) -> Vec<usize> {
    let mut left: Vec<(usize, u32)> = pool.iter().copied().filter(|p| p.1 > 0).collect();
    let mut out = Vec::with_capacity(n);
    while out.len() < n && !left.is_empty() {
        let total: u32 = left.iter().map(|x| x.1).sum();
        let mut r = rng.random_range(0..total);
        let mut at = left.len() - 1;
        for (i, x) in left.iter().enumerate() {
            if r < x.1 {
                at = i;
                break;
            }
            r -= x.1;
        }
        out.push(left.remove(at).0);
    }
    out
}
