//! The statistical test the exposure rule needs: how likely a binomial count at least this
//! large is (the exact conditional test for two Poisson rates reduces to it).
//!
//! Written here because it is a few lines; statistics crates that have it bring linear algebra
//! and random-number dependencies with them.

/// Most terms summed before the rest is bounded by a geometric series.
pub const MAX_TAIL_TERMS: u64 = 10_000;

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

/// ln of the binomial probability of k successes in n trials with probability p (0 < p < 1).
fn ln_binomial_pmf(k: u64, n: u64, p: f64) -> f64 {
    ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k)
        + k as f64 * p.ln()
        + (n - k) as f64 * (1.0 - p).ln()
}

/// P[X ≥ k] for X ~ Binomial(n, p). Above the mean the terms shrink as k grows; they are
/// summed up to [`MAX_TAIL_TERMS`] and the rest bounded geometrically, so the result is
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
    for _ in 0..MAX_TAIL_TERMS {
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

    #[test]
    fn factorials_agree_across_the_switch_to_stirling() {
        let exact: f64 = (2..=100u64).map(|i| (i as f64).ln()).sum();
        assert!((ln_factorial(100) - exact).abs() < 1e-9);
        assert_eq!(ln_factorial(0), 0.0);
        assert!((ln_factorial(5) - 120f64.ln()).abs() < 1e-12);
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
        let a = binomial_upper_tail(100, 100, 0.01);
        let b = binomial_upper_tail(50, 100, 0.01);
        assert!(a > 0.0 && a < b && b < 1e-40, "{a} {b}");
        // Far into a large sample: summed to the limit, then bounded.
        let big = binomial_upper_tail(2_000_000, 4_000_000, 0.499);
        assert!(big > 0.0 && big < 1e-3, "{big}");
    }
}
