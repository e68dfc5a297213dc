//! A small set of object keys, looked up once per key of every admitted
//! object: a bitmask of the key lengths rejects most keys before any byte is
//! compared (a `HashSet<String>` hashed every key with SipHash, a fifth of
//! the pruned parse).

/// Keys, grouped by length.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeySet {
    /// Bit `n` is set when a key has `n` bytes (keys of 128 bytes or more set bit 127).
    lengths: u128,
    /// The keys, sorted by length then bytes, without duplicates.
    keys: Vec<String>,
}

impl KeySet {
    pub(crate) fn contains(&self, key: &str) -> bool {
        if self.lengths & bit(key.len()) == 0 {
            return false;
        }
        self.keys.iter().any(|k| k == key)
    }
}

fn bit(len: usize) -> u128 {
    1u128 << len.min(127)
}

impl FromIterator<String> for KeySet {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> KeySet {
        let mut keys: Vec<String> = iter.into_iter().collect();
        keys.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        keys.dedup();
        let lengths = keys.iter().fold(0, |mask, k| mask | bit(k.len()));
        KeySet { lengths, keys }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_exactly_its_keys_of_any_length() {
        let long = "k".repeat(300);
        let set: KeySet = ["spec", "name", "kind", "", long.as_str(), "spec"]
            .iter()
            .map(|k| (*k).to_owned())
            .collect();
        for key in ["spec", "name", "kind", "", long.as_str()] {
            assert!(set.contains(key), "{key}");
        }
        let other_long = "x".repeat(300);
        for key in ["spex", "nam", "names", "Spec", other_long.as_str(), "image"] {
            assert!(!set.contains(key), "{key}");
        }
    }
}
