//! Counts of what each key (a client, a user) holds at once, for limits
//! such as "at most 8 requests in flight per client": only keys holding
//! something are kept, so the map is as small as what is in use.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

/// How much of something each key holds (open connections, requests in
/// flight, event streams); only keys holding some are kept.
pub struct Holdings<K> {
    max: u32,
    held: Arc<Mutex<HashMap<K, u32>>>,
}

impl<K> Clone for Holdings<K> {
    fn clone(&self) -> Self {
        Self {
            max: self.max,
            held: self.held.clone(),
        }
    }
}

impl<K: Hash + Eq + Copy> Holdings<K> {
    /// At most `max` per key; 0 for no limit.
    pub fn new(max: u32) -> Self {
        Self {
            max,
            held: Arc::default(),
        }
    }

    /// One more for `key`, given back when the [`Held`] is dropped; `None`
    /// when it already holds its maximum.
    pub fn take(&self, key: K) -> Option<Held<K>> {
        if self.max > 0 {
            let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
            let count = held.entry(key).or_default();
            if *count >= self.max {
                return None;
            }
            *count += 1;
        }
        Some(Held {
            holdings: self.clone(),
            key,
        })
    }
}

/// One unit a key holds; dropping it gives it back.
pub struct Held<K: Hash + Eq + Copy> {
    holdings: Holdings<K>,
    key: K,
}

impl<K: Hash + Eq + Copy> Drop for Held<K> {
    fn drop(&mut self) {
        if self.holdings.max == 0 {
            return;
        }
        let mut held = self
            .holdings
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = held.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Holdings;

    #[test]
    fn each_key_holds_at_most_its_share_and_is_forgotten_when_empty() {
        let holdings = Holdings::new(2);
        let (a1, a2) = (holdings.take('a'), holdings.take('a'));
        assert!(a1.is_some() && a2.is_some());
        assert!(holdings.take('a').is_none());
        assert!(holdings.take('b').is_some());
        drop(a1);
        let a3 = holdings.take('a');
        assert!(a3.is_some());
        drop((a2, a3));
        assert!(holdings.held.lock().unwrap().is_empty());
    }
}
