//! The one statistical test the rules need: how likely a Poisson count at least this large is.
//!
//! Written here because it is a few lines; statistics crates that have it bring linear algebra
//! and random-number dependencies with them.

/// Most Poisson terms summed before the rest is bounded by a geometric series.
pub const MAX_POISSON_TERMS: u64 = 10_000;

/// ln(k!), exact to double precision below 64 and by Stirling's series (error below 1e-12)
/// above.
pub fn ln_factorial(k: u64) -> f64 {
    if k < 64 {
        return (2..=k).map(|i| (i as f64).ln()).sum();
    }
    let n = k as f64;
    n * n.ln() - n + 0.5 * (2.0 * std::f64::consts::PI * n).ln() + 1.0 / (12.0 * n)
        - 1.0 / (360.0 * n * n * n)
}

fn ln_pmf(i: u64, mu: f64) -> f64 {
    -mu + i as f64 * mu.ln() - ln_factorial(i)
}

/// P[X ≥ k] for X ~ Poisson(mu). Sums the terms away from the mode, where they shrink, and
/// bounds what is left after [`MAX_POISSON_TERMS`] by a geometric series, so it is never
/// smaller than the truth (the test stays conservative).
pub fn poisson_upper_tail(k: u64, mu: f64) -> f64 {
    if k == 0 || mu.is_nan() {
        return 1.0;
    }
    if mu <= 0.0 {
        return 0.0;
    }
    if (k as f64) > mu {
        tail_from(k, mu, true).min(1.0)
    } else {
        // The lower tail below k, summed downwards, is small here.
        (1.0 - tail_from(k - 1, mu, false)).clamp(0.0, 1.0)
    }
}

/// Σ pmf(i) for i from `start` upwards (`up`) or downwards to 0.
fn tail_from(start: u64, mu: f64, up: bool) -> f64 {
    let mut term = ln_pmf(start, mu).exp();
    let mut sum = 0.0;
    let mut i = start;
    for _ in 0..MAX_POISSON_TERMS {
        sum += term;
        if term <= sum * 1e-17 {
            return sum;
        }
        if up {
            i += 1;
            term *= mu / i as f64;
        } else {
            if i == 0 {
                return sum;
            }
            term *= i as f64 / mu;
            i -= 1;
        }
    }
    // The ratio of successive terms only shrinks from here: bound the rest geometrically.
    let ratio = if up {
        mu / (i + 1) as f64
    } else {
        i as f64 / mu
    };
    if ratio < 1.0 {
        sum + term * ratio / (1.0 - ratio)
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_upper(k: u64, mu: f64) -> f64 {
        let lower: f64 = (0..k).map(|i| ln_pmf(i, mu).exp()).sum();
        1.0 - lower
    }

    #[test]
    fn factorials_agree_across_the_switch_to_stirling() {
        let exact: f64 = (2..=100u64).map(|i| (i as f64).ln()).sum();
        assert!((ln_factorial(100) - exact).abs() < 1e-9);
        assert_eq!(ln_factorial(0), 0.0);
        assert!((ln_factorial(5) - 120f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn tail_matches_direct_summation() {
        for (k, mu) in [
            (1, 0.5),
            (3, 1.0),
            (10, 2.0),
            (5, 5.0),
            (2, 7.0),
            (40, 20.0),
        ] {
            let t = poisson_upper_tail(k, mu);
            let n = naive_upper(k, mu);
            assert!((t - n).abs() < 1e-10, "k={k} mu={mu}: {t} vs {n}");
        }
        // P[X >= 1] = 1 - e^-mu.
        assert!((poisson_upper_tail(1, 0.1) - (1.0 - (-0.1f64).exp())).abs() < 1e-12);
    }

    #[test]
    fn extreme_tails_stay_finite_and_ordered() {
        let a = poisson_upper_tail(100, 1.0);
        let b = poisson_upper_tail(50, 1.0);
        assert!(a > 0.0 && a < b && b < 1e-40, "{a} {b}");
        assert_eq!(poisson_upper_tail(0, 3.0), 1.0);
        assert_eq!(poisson_upper_tail(3, 0.0), 0.0);
        let big = poisson_upper_tail(2_000_000, 1_990_000.0);
        assert!(big > 0.0 && big < 1e-8, "{big}");
    }
}
