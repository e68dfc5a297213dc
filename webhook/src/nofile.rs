//! The open-file limit: raised from its soft to its hard value at start, so
//! that the connection limit (derived from it) is as high as the system allows.
//! Uses rustix's safe `setrlimit` (the crate forbids unsafe code).

use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};

/// What the limit was and is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFiles {
    pub before: u64,
    pub now: u64,
}

/// Raises the soft `RLIMIT_NOFILE` to the hard one. On failure the soft limit
/// stays (and is what the connection limit is derived from).
pub fn raise() -> OpenFiles {
    let limit = getrlimit(Resource::Nofile);
    // `None` is RLIM_INFINITY.
    let before = limit.current.unwrap_or(u64::MAX);
    let hard = limit.maximum;
    if limit.current == hard {
        return OpenFiles {
            before,
            now: before,
        };
    }
    let raised = Rlimit {
        current: hard,
        maximum: hard,
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => OpenFiles {
            before,
            now: hard.unwrap_or(u64::MAX),
        },
        Err(_) => OpenFiles {
            before,
            now: before,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_ends_at_the_hard_limit() {
        let files = raise();
        let limit = getrlimit(Resource::Nofile);
        assert_eq!(limit.current, limit.maximum);
        assert_eq!(files.now, limit.current.unwrap_or(u64::MAX));
        assert!(files.now >= files.before);
    }
}
