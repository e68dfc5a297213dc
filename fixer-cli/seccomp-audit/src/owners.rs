//! The small index that folds owned objects into their listed owner
//! (Pod → ReplicaSet → Deployment, Pod → Job → CronJob, Pod → DaemonSet …).
//!
//! Only UIDs are kept, never objects: memory grows with the number of
//! workloads, not with their size.
use std::collections::HashMap;

use kube::core::ObjectMeta;

/// Maps the UID of every listed workload to the report of its top-most listed owner.
#[derive(Debug, Default)]
pub struct OwnerIndex {
    roots: HashMap<String, usize>,
}

impl OwnerIndex {
    /// The report an object belongs to, when one of its owners was listed.
    /// The controller reference is tried first, then the other owners.
    pub fn root_of(&self, meta: &ObjectMeta) -> Option<usize> {
        let refs = meta.owner_references.as_deref().unwrap_or_default();
        let controllers = refs.iter().filter(|r| r.controller == Some(true));
        let others = refs.iter().filter(|r| r.controller != Some(true));
        controllers
            .chain(others)
            .find_map(|r| self.roots.get(&r.uid).copied())
    }

    /// Records that objects owned by `uid` belong to report `root`.
    pub fn insert(&mut self, uid: Option<&str>, root: usize) {
        if let Some(uid) = uid.filter(|u| !u.is_empty()) {
            self.roots.insert(uid.to_owned(), root);
        }
    }

    /// Number of indexed owners.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.roots.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

    fn owned_by(refs: &[(&str, bool)]) -> ObjectMeta {
        ObjectMeta {
            owner_references: Some(
                refs.iter()
                    .map(|(uid, controller)| OwnerReference {
                        uid: (*uid).to_owned(),
                        controller: Some(*controller),
                        ..OwnerReference::default()
                    })
                    .collect(),
            ),
            ..ObjectMeta::default()
        }
    }

    #[test]
    fn chains_fold_into_the_top_owner() {
        let mut index = OwnerIndex::default();
        index.insert(Some("deploy-uid"), 4);
        // The ReplicaSet is owned by the Deployment: its pods go to report 4 too.
        let rs = owned_by(&[("deploy-uid", true)]);
        let root = index.root_of(&rs);
        assert_eq!(root, Some(4));
        index.insert(Some("rs-uid"), 4);
        assert_eq!(index.root_of(&owned_by(&[("rs-uid", true)])), Some(4));
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn unlisted_owners_leave_the_object_on_its_own() {
        let mut index = OwnerIndex::default();
        index.insert(Some("a"), 1);
        index.insert(None, 2);
        index.insert(Some(""), 3);
        assert_eq!(index.root_of(&owned_by(&[("node-uid", true)])), None);
        assert_eq!(index.root_of(&ObjectMeta::default()), None);
        assert_eq!(index.len(), 1);
    }

    #[test]
    fn the_controller_reference_wins() {
        let mut index = OwnerIndex::default();
        index.insert(Some("other"), 1);
        index.insert(Some("ctrl"), 2);
        assert_eq!(
            index.root_of(&owned_by(&[("other", false), ("ctrl", true)])),
            Some(2)
        );
    }
}
