//! The storage quota: what a user keeps stored against their plan's limit
//! (components, source, builds; `fnlab-functions` and `fnlab-builds` count
//! it), and sizes written the way people read them. Unlike the monthly
//! quotas it is not usage over time: deleting a function gives the room
//! back at once.

use serde::{Deserialize, Serialize};

/// What a user stores and may store, as the Billing page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StorageUse {
    /// Bytes stored now.
    pub used_bytes: i64,
    /// The plan's storage quota in bytes; `None` (`null` in JSON) is
    /// unlimited.
    pub quota_bytes: Option<i64>,
}

/// A size in bytes, in the largest unit that keeps it ≥ 1 (`1.5 MiB`).
pub fn format_bytes(n: i64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_the_largest_unit() {
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(128 << 20), "128.0 MiB");
        assert_eq!(format_bytes(3 << 30), "3.0 GiB");
    }
}
