//! The statistical tests the rules need: how likely a Poisson or binomial count at least this
//! large is.
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

/// ln of the binomial probability of k successes in n trials with probability p (0 < p < 1).
fn ln_binomial_pmf(k: u64, n: u64, p: f64) -> f64 {
    ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k)
        + k as f64 * p.ln()
        + (n - k) as f64 * (1.0 - p).ln()
}

/// P[X ≥ k] for X ~ Binomial(n, p). Above the mean the terms shrink as k grows; they are
/// summed up to [`MAX_POISSON_TERMS`] and the rest bounded geometrically, so the result is
/// never below the truth. At or below the mean it returns 1 (no excess to test).
pub fn binomial_upper_tail(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 || p.is_nan() {
        return 1.0;
    }
    if k > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 || (k as f64) <= n as f64 * p {
        return 1.0;
    }
    let mut term = ln_binomial_pmf(k, n, p).exp();
    let mut sum = 0.0;
    let mut i = k;
    let odds = p / (1.0 - p);
    for _ in 0..MAX_POISSON_TERMS {
        sum += term;
        if i >= n || term <= sum * 1e-17 {
            return sum.min(1.0);
        }
        // pmf(i+1)/pmf(i) = (n-i)/(i+1) · p/(1-p), falling as i grows.
        term *= (n - i) as f64 / (i + 1) as f64 * odds;
        i += 1;
    }
    let ratio = (n - i) as f64 / (i + 1) as f64 * odds;
    if ratio < 1.0 {
        (sum + term / (1.0 - ratio)).min(1.0)
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
    fn binomial_tail_matches_direct_summation() {
        for (k, n, p) in [
            (3u64, 6u64, 0.04),
            (20, 24, 0.034),
            (5, 10, 0.3),
            (1, 1, 0.5),
            (4, 40, 0.05),
        ] {
            let direct: f64 = (k..=n).map(|i| ln_binomial_pmf(i, n, p).exp()).sum();
            let t = binomial_upper_tail(k, n, p);
            assert!(
                (t - direct).abs() <= 1e-12 * direct.max(1e-300) + 1e-300,
                "{k} {n} {p}: {t} vs {direct}"
            );
        }
        assert_eq!(binomial_upper_tail(7, 6, 0.5), 0.0);
        assert_eq!(binomial_upper_tail(2, 10, 0.5), 1.0);
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
