//! Caps on what the pruned parse builds ([`crate::RelevantKeys`]): a front end
//! that reads untrusted objects (the webhook) bounds its per-request memory and
//! CPU by them. An object over a cap is not planned; the front end leaves it
//! unchanged and says which cap it hit.

use std::fmt;

/// How much of an object the pruned parse builds at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Items of one list (`containers`, `initContainers`, `ephemeralContainers`, `items`…).
    pub list_items: usize,
    /// Entries of one mapping (`annotations`, `metadata`, `nodeSelector`…).
    pub map_entries: usize,
    /// Estimated heap bytes of the whole pruned value (strings plus a fixed
    /// cost per value and per mapping entry).
    pub built_bytes: usize,
}

impl Limits {
    /// The defaults: far above any object the API server stores (annotations
    /// are limited to 256 KiB in all; real pods have a few dozen containers),
    /// small enough that one decision stays within about 1.5 MiB.
    pub const DEFAULT: Limits = Limits {
        list_items: 1_000,
        map_entries: 4_096,
        built_bytes: 1 << 20,
    };

    /// No caps (trusted input, tests).
    pub const NONE: Limits = Limits {
        list_items: usize::MAX,
        map_entries: usize::MAX,
        built_bytes: usize::MAX,
    };
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}

/// Which cap an object went over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cap {
    /// [`Limits::list_items`].
    ListItems,
    /// [`Limits::map_entries`].
    MapEntries,
    /// [`Limits::built_bytes`].
    BuiltBytes,
}

impl Cap {
    /// A stable snake_case name (a metric label).
    pub fn as_str(self) -> &'static str {
        match self {
            Cap::ListItems => "list_items",
            Cap::MapEntries => "map_entries",
            Cap::BuiltBytes => "built_bytes",
        }
    }
}

/// The first cap an object went over, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exceeded {
    /// The cap.
    pub cap: Cap,
    /// Its value.
    pub limit: usize,
    /// The key of the list or mapping (empty for [`Cap::BuiltBytes`]).
    pub key: String,
}

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key: String = self.key.chars().take(40).collect();
        match self.cap {
            Cap::ListItems => write!(f, "{key} has more than {} items", self.limit),
            Cap::MapEntries => write!(f, "{key} has more than {} entries", self.limit),
            Cap::BuiltBytes => write!(f, "more than {} bytes to read", self.limit),
        }
    }
}
