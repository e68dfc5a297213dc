//! The resources the audit lists (§2), in the order that lets owners be
//! indexed before the objects they own: CronJob → Job → Pod, Deployment →
//! ReplicaSet → Pod, then the other pod owners, then Pods.
use kube::core::{ApiResource, GroupVersionKind};

/// One listed resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    /// API group (`""` for core).
    pub group: &'static str,
    /// API version.
    pub version: &'static str,
    /// Kind of the objects.
    pub kind: &'static str,
    /// Plural resource name used in URLs and RBAC rules.
    pub plural: &'static str,
}

/// Every listed resource, owners first.
///
/// `PodTemplate` (§2) is not listed: no controller creates pods from it, and
/// the common read-only roles (`view`) do not grant it.
pub const RESOURCES: &[Resource] = &[
    Resource {
        group: "batch",
        version: "v1",
        kind: "CronJob",
        plural: "cronjobs",
    },
    Resource {
        group: "batch",
        version: "v1",
        kind: "Job",
        plural: "jobs",
    },
    Resource {
        group: "apps",
        version: "v1",
        kind: "Deployment",
        plural: "deployments",
    },
    Resource {
        group: "apps",
        version: "v1",
        kind: "ReplicaSet",
        plural: "replicasets",
    },
    Resource {
        group: "apps",
        version: "v1",
        kind: "StatefulSet",
        plural: "statefulsets",
    },
    Resource {
        group: "apps",
        version: "v1",
        kind: "DaemonSet",
        plural: "daemonsets",
    },
    Resource {
        group: "",
        version: "v1",
        kind: "ReplicationController",
        plural: "replicationcontrollers",
    },
    Resource {
        group: "",
        version: "v1",
        kind: "Pod",
        plural: "pods",
    },
];

impl Resource {
    /// `apiVersion` of the objects (`v1`, `apps/v1`).
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The name RBAC and kubectl use: `pods`, `deployments.apps`.
    pub fn qualified_name(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_owned()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// Whether this resource's objects are pods themselves.
    pub fn is_pod(&self) -> bool {
        self.group.is_empty() && self.kind == "Pod"
    }

    /// The kube-rs description used to build the list URL.
    pub fn api_resource(&self) -> ApiResource {
        ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(self.group, self.version, self.kind),
            self.plural,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_come_before_what_they_own() {
        let pos = |kind: &str| RESOURCES.iter().position(|r| r.kind == kind);
        assert!(pos("CronJob") < pos("Job"));
        assert!(pos("Deployment") < pos("ReplicaSet"));
        assert!(pos("Job") < pos("Pod"));
        assert!(pos("ReplicaSet") < pos("Pod"));
        assert_eq!(RESOURCES.last().map(|r| r.kind), Some("Pod"));
    }

    #[test]
    fn names_follow_kubectl() {
        assert_eq!(RESOURCES[2].qualified_name(), "deployments.apps");
        assert_eq!(RESOURCES[2].api_version(), "apps/v1");
        assert_eq!(RESOURCES[7].qualified_name(), "pods");
        assert_eq!(RESOURCES[7].api_version(), "v1");
        let pods = RESOURCES[7].api_resource();
        assert_eq!(
            <kube::core::DynamicObject as kube::Resource>::url_path(&pods, None),
            "/api/v1/pods"
        );
        let deployments = RESOURCES[2].api_resource();
        assert_eq!(
            <kube::core::DynamicObject as kube::Resource>::url_path(&deployments, Some("shop")),
            "/apis/apps/v1/namespaces/shop/deployments"
        );
    }
}
