//! Policy flags shared by every subcommand (`fix`, `patch`, `krm`, `audit`):
//! a policy file plus overrides for the common knobs.

use std::path::PathBuf;

use anyhow::Context;
use seccomp_core::{DefaultProfile, DefaultProfileType, Policy, UnconfinedMode};

/// `--config` and the knob flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PolicyArgs {
    /// Policy file (§7); flags below override its values.
    #[arg(long, env = "SECCOMP_FIX_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Default profile where a pod has none: `RuntimeDefault` or `localhost/<path>`.
    #[arg(long, value_name = "PROFILE")]
    pub default_profile: Option<String>,
    /// Keep legacy annotations that agree with the field.
    #[arg(long)]
    pub keep_annotations: bool,
    /// Do not set fields from the legacy annotations.
    #[arg(long)]
    pub no_migrate_annotations: bool,
    /// Replace an explicit `Unconfined` with the default profile.
    #[arg(long)]
    pub harden_unconfined: bool,
    /// Opt-out annotation key (objects with it set to "true" are skipped).
    #[arg(long, value_name = "KEY")]
    pub skip_annotation: Option<String>,
}

/// Loads the policy file, or the defaults when none is given.
pub fn load_policy(path: Option<&std::path::Path>) -> anyhow::Result<Policy> {
    let Some(path) = path else {
        return Ok(Policy::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading policy {}", path.display()))?;
    policy_from_yaml(&text).with_context(|| format!("policy {}", path.display()))
}

/// A policy file's text (YAML or JSON) read by `yaml_serde` into the core's
/// policy; an empty file or one of only comments is the default policy.
pub fn policy_from_yaml(text: &str) -> Result<Policy, seccomp_core::CoreError> {
    Policy::from_deserializer(yaml_serde::Deserializer::from_str(text))
}

impl PolicyArgs {
    /// The policy: the file (or defaults) with the flags applied, validated.
    pub fn policy(&self) -> anyhow::Result<Policy> {
        self.apply_to(load_policy(self.config.as_deref())?)
    }

    /// `base` with the knob flags applied on top, validated.
    pub fn apply_to(&self, mut policy: Policy) -> anyhow::Result<Policy> {
        if let Some(profile) = &self.default_profile {
            policy.default_profile = match profile.strip_prefix("localhost/") {
                Some(path) => DefaultProfile {
                    kind: DefaultProfileType::Localhost,
                    localhost_profile: Some(path.to_owned()),
                },
                None if profile == "RuntimeDefault" || profile == "runtime/default" => {
                    DefaultProfile::default()
                }
                None => anyhow::bail!(
                    "--default-profile {profile:?}: expected RuntimeDefault or localhost/<path>"
                ),
            };
        }
        if self.keep_annotations {
            policy.keep_annotations = true;
        }
        if self.no_migrate_annotations {
            policy.migrate_annotations = false;
        }
        if self.harden_unconfined {
            policy.unconfined = UnconfinedMode::Harden;
        }
        if let Some(key) = &self.skip_annotation {
            policy.skip_annotation = key.clone();
        }
        policy.validate().context("policy flags")?;
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn an_empty_or_comment_only_policy_file_is_the_default_policy() {
        for text in ["", "\n", "# nothing\n", "# nothing\n---\n"] {
            assert_eq!(
                policy_from_yaml(text).unwrap(),
                Policy::default(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_policy_file_error_names_the_key_and_its_line() {
        let err = policy_from_yaml("unconfined: harden\nmigrateAnnotation: true\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("migrateAnnotation") && err.contains("line 2"),
            "{err}"
        );
    }

    #[test]
    fn a_json_policy_file_reads_like_yaml() {
        let policy = policy_from_yaml(r#"{"unconfined": "harden"}"#).unwrap();
        assert_eq!(policy.unconfined, UnconfinedMode::Harden);
    }
}
