//! Number handling shared by the loop-economics deciders (`liveness`,
//! `productivity`, `efficiency`, `breaker`).
//!
//! The reference's dataclasses hold Python ints, so `int / int` is the
//! correctly rounded quotient, which plain `f64` division only gives while
//! both operands fit in 53 bits, and a float compares with an int exactly.
//! (Reading the records, an explicit null refused and counts past 64 bits
//! kept exact, is the route's serde work now.)

/// `2.0 ** k` for exponents whose result is a normal float.
fn pow2(k: i32) -> f64 {
    debug_assert!((-1022..=1023).contains(&k));
    f64::from_bits(((1023 + k) as u64) << 52)
}

/// Python's `a / b` for non-negative ints: the exact quotient rounded once to
/// the nearest float (ties to even). `b` must be non-zero.
pub(crate) fn true_div(a: u64, b: u64) -> f64 {
    const EXACT: u64 = 1 << 53;
    if a == 0 || b == 0 {
        return 0.0;
    }
    if a <= EXACT && b <= EXACT {
        // Both convert exactly and IEEE division rounds once.
        return a as f64 / b as f64;
    }
    let la = 64 - a.leading_zeros() as i32;
    let lb = 64 - b.leading_zeros() as i32;
    // Scale so the integer quotient has 55 or 56 bits: two or more bits below
    // the 53-bit significand, enough for a round bit plus a sticky bit.
    let shift = 55 + lb - la;
    let (num, den) = if shift >= 0 { ((a as u128) << shift, b as u128) } else { (a as u128, (b as u128) << -shift) };
    let q = num / den;
    let sticky = u128::from(num % den != 0);
    // q < 2**56, so it fits a u64; the cast to f64 rounds to nearest-even.
    let rounded = ((q | sticky) as u64) as f64;
    rounded * pow2(-shift)
}

/// Python's `x < i` for a float and an int: exact, whatever their sizes.
pub(crate) fn float_lt_int(x: f64, i: i128) -> bool {
    if x.is_nan() {
        return false;
    }
    // 2**127 as a float; every i128 lies strictly inside (-2**127 - 1, 2**127).
    const LIM: f64 = 170141183460469231731687303715884105728.0;
    if x >= LIM {
        return false;
    }
    if x < -LIM {
        return true;
    }
    // x < i  <=>  floor(x) < i for integer i; floor(x) fits in i128 here.
    (x.floor() as i128) < i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn true_div_small_and_large() {
        assert_eq!(true_div(1, 3), 1.0 / 3.0);
        assert_eq!(true_div(0, 7), 0.0);
        assert_eq!(true_div(7, 7), 1.0);
        assert_eq!(true_div((1 << 53) + 1, 1), 9007199254740992.0);
        assert_eq!(true_div(i64::MAX as u64, 1), 9223372036854775808.0);
        // Expected values below were printed by CPython (`repr(a / b)`); the
        // last three are pairs where converting to float first is off by one ulp.
        assert_eq!(true_div((1 << 62) + 1, 3), 1.5372286728091292e18);
        assert_eq!(true_div(5258986265376043509, 7399589116837456608), 0.7107132818239109);
        assert_eq!(true_div(591064915700530116, 1087608058291172413), 0.5434539687295065);
        assert_eq!(true_div(4508690645783096972, 8239395385945212841), 0.5472113467784343);
    }

    #[test]
    fn float_int_comparison_is_exact() {
        let two53 = 9007199254740992.0;
        assert!(float_lt_int(two53, (1 << 53) + 1));
        assert!(!float_lt_int(two53, 1 << 53));
        assert!(float_lt_int(0.5, 1));
        assert!(!float_lt_int(1.0, 1));
        assert!(float_lt_int(-0.5, 0));
        assert!(!float_lt_int(f64::NAN, 5));
        assert!(!float_lt_int(f64::INFINITY, i128::MAX));
        assert!(float_lt_int(f64::NEG_INFINITY, i128::MIN));
    }
}
