//! The configured price sheet and plans together: what the server and the
//! pages consult.

use crate::plans::{Plan, Plans};
use crate::prices::PriceSheet;

/// The price sheet and the plans, as configured.
#[derive(Debug, Clone)]
pub struct Pricing {
    /// Prices and the free tier.
    pub prices: PriceSheet,
    /// Plans and their quotas.
    pub plans: Plans,
}

impl Pricing {
    /// The plan a user whose stored plan is `name` is on.
    pub fn plan(&self, name: Option<&str>) -> &Plan {
        self.plans.get(name)
    }
}
