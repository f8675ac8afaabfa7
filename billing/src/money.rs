//! Dollar amounts as integers: prices in picodollars (10⁻¹² $, fine enough
//! for $0.0000166667 per GB-second), totals in microdollars (10⁻⁶ $).

/// Picodollars in one microdollar.
pub const PICOS_PER_MICRO: i128 = 1_000_000;
/// Picodollars in one dollar.
pub const PICOS_PER_DOLLAR: i128 = 1_000_000_000_000;

/// A price that is not a plain decimal dollar amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a price: write dollars as a decimal number with at most 12 places, like 0.0000166667"
)]
pub struct BadPrice(pub String);

/// Parses `"0.0000166667"` (dollars, an optional leading `$`) into
/// picodollars, exactly.
pub fn parse_dollars(text: &str) -> Result<i128, BadPrice> {
    let bad = || BadPrice(text.to_owned());
    let digits = text.trim().trim_start_matches('$');
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty())
        || !all_digits(whole)
        || !all_digits(fraction)
        || fraction.len() > 12
        || whole.len() > 12
    {
        return Err(bad());
    }
    let whole: i128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let fraction: i128 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<12}").parse().map_err(|_| bad())?
    };
    Ok(whole * PICOS_PER_DOLLAR + fraction)
}

/// `numerator / denominator`, rounded to the nearest integer (halves up):
/// the one rounding rule for money. Prices divide by a common denominator
/// so that a sum is priced exactly and rounded once.
pub fn round_div(numerator: i128, denominator: i128) -> i64 {
    let rounded = (numerator + denominator / 2).div_euclid(denominator);
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

/// Microdollars as dollars with all six places: `$1.234567`, `-$0.000002`.
pub fn format_micros(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let abs = micros.unsigned_abs();
    format!("{sign}${}.{:06}", abs / 1_000_000, abs % 1_000_000)
}

/// Picodollars as dollars, trailing zeros dropped: `$0.0000166667`.
pub fn format_picos(picos: i128) -> String {
    let abs = picos.unsigned_abs();
    let fraction = format!("{:012}", abs % PICOS_PER_DOLLAR.unsigned_abs());
    let fraction = fraction.trim_end_matches('0');
    let sign = if picos < 0 { "-" } else { "" };
    let whole = abs / PICOS_PER_DOLLAR.unsigned_abs();
    if fraction.is_empty() {
        format!("{sign}${whole}")
    } else {
        format!("{sign}${whole}.{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prices_exactly() {
        assert_eq!(parse_dollars("0.0000166667"), Ok(16_666_700));
        assert_eq!(parse_dollars("$0.20"), Ok(200_000_000_000));
        assert_eq!(parse_dollars("3"), Ok(3 * PICOS_PER_DOLLAR));
        assert_eq!(parse_dollars(".5"), Ok(PICOS_PER_DOLLAR / 2));
        for bad in ["", ".", "1.2.3", "-1", "1e-3", "0.0000000000001", "abc"] {
            assert!(parse_dollars(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rounds_and_formats() {
        assert_eq!(round_div(499_999, PICOS_PER_MICRO), 0);
        assert_eq!(round_div(500_000, PICOS_PER_MICRO), 1);
        assert_eq!(round_div(4_999_998, 2 * PICOS_PER_MICRO), 2);
        assert_eq!(format_micros(1_234_567), "$1.234567");
        assert_eq!(format_micros(2), "$0.000002");
        assert_eq!(format_micros(-2), "-$0.000002");
        assert_eq!(format_picos(16_666_700), "$0.0000166667");
        assert_eq!(format_picos(200_000_000_000), "$0.2");
        assert_eq!(format_picos(PICOS_PER_DOLLAR), "$1");
    }
}
