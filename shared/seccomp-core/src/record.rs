//! Change and finding records: stable code, severity, JSON pointer, short message.

use serde::Serialize;

/// Longest message, in characters. The spec allows 120; we stay at 100 so the
/// webhook's `seccomp-defaulter: ` prefix still fits an admission warning.
pub const MAX_MESSAGE_CHARS: usize = 100;

/// How much a record matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A change made, or a neutral fact.
    Info,
    /// Something a reviewer should look at; the object is still fixed.
    Warning,
    /// Something the tool refused to decide; a human must fix it.
    Error,
}

impl Severity {
    /// The lowercase name used in every report.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, $sev:ident, $change:literal; )*) => {
        /// Stable record codes (also SARIF rule ids). Never renamed once released.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in declaration order.
            pub fn all() -> &'static [Code] {
                &[$(Code::$variant,)*]
            }

            /// The kebab-case identifier.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }

            /// The severity a record with this code always has.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }

            /// Whether the record describes a change the patch makes.
            pub fn is_change(self) -> bool {
                match self { $(Code::$variant => $change,)* }
            }
        }
    };
}

codes! {
    /// The pod-level field was absent and is set to the default profile.
    PodProfileDefaulted = "pod-profile-defaulted", Info, true;
    /// The pod-level field was absent and is set from the pod annotation.
    PodProfileMigrated = "pod-profile-migrated", Info, true;
    /// A container field was absent and is set from its container annotation.
    ContainerProfileMigrated = "container-profile-migrated", Info, true;
    /// An explicit `Unconfined` is replaced by the default profile (policy `harden`).
    ProfileHardened = "profile-hardened", Info, true;
    /// A legacy annotation is removed (migrated, matching, or naming no container).
    AnnotationRemoved = "annotation-removed", Info, true;
    /// A legacy annotation contradicted the field; the field wins, the annotation is removed.
    AnnotationContradictsField = "annotation-contradicts-field", Warning, true;
    /// A legacy annotation has a value that maps to no valid profile; left in place.
    AnnotationNotMigratable = "annotation-not-migratable", Error, false;
    /// A legacy annotation is left in place because `migrateAnnotations` is off.
    AnnotationIgnored = "annotation-ignored", Info, false;
    /// The object explicitly chose `Unconfined`; kept (policy `keep`).
    UnconfinedExplicit = "unconfined-explicit", Warning, false;
    /// A privileged container: seccomp does not apply to it.
    PrivilegedContainer = "privileged-container", Warning, false;
    /// A present seccompProfile field is not valid; left untouched. An error:
    /// the API server rejects the object until a human fixes the field.
    InvalidProfileField = "invalid-profile-field", Error, false;
    /// A Windows pod: the API server forbids seccomp fields there.
    SkippedWindows = "skipped-windows", Info, false;
    /// The object opted out with the skip annotation.
    SkippedOptOut = "skipped-opt-out", Info, false;
    /// The kind carries no pod template.
    NotApplicable = "not-applicable", Info, false;
    /// A pod-bearing kind without a pod spec (e.g. a partial manifest).
    NoPodSpec = "no-pod-spec", Info, false;
    /// A field on the path has the wrong JSON type; the pod is left untouched.
    MalformedObject = "malformed-object", Error, false;
    /// A `List` nested deeper than the limit: its items are not looked at.
    ListTooDeep = "list-too-deep", Error, false;
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change or finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// Stable code.
    pub code: Code,
    /// Severity (fixed by the code).
    pub severity: Severity,
    /// RFC 6901 JSON pointer into the object the record concerns.
    pub pointer: String,
    /// One line, at most [`MAX_MESSAGE_CHARS`] characters.
    pub message: String,
}

impl Record {
    /// Builds a record, flattening the message to one line and shortening it to
    /// [`MAX_MESSAGE_CHARS`] characters (an ellipsis marks a cut).
    pub fn new(code: Code, pointer: impl Into<String>, message: impl Into<String>) -> Record {
        Record {
            code,
            severity: code.severity(),
            pointer: pointer.into(),
            message: clip_line(message.into(), MAX_MESSAGE_CHARS),
        }
    }

    /// Whether this record describes a change the patch makes.
    pub fn is_change(&self) -> bool {
        self.code.is_change()
    }

    /// Whether a report shows this record: every record but `not-applicable`
    /// (an object that carries no pod is not worth a line, a warning or a
    /// result). Every front end filters with this.
    pub fn is_reportable(&self) -> bool {
        self.code != Code::NotApplicable
    }
}

/// `text` on one line (control characters become spaces) and at most
/// `max_chars` characters, an ellipsis marking a cut. Shared by every front
/// end that shows messages (records, admission warnings).
pub fn clip_line(text: String, max_chars: usize) -> String {
    // Without short-circuit the check vectorises: this is the common case.
    let plain_ascii = text
        .bytes()
        .fold(true, |plain, b| plain & (0x20..0x7f).contains(&b));
    if plain_ascii && text.len() <= max_chars {
        return text;
    }
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= max_chars {
        return flat;
    }
    let mut cut: String = flat.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn long_messages_are_cut_to_the_limit_with_an_ellipsis() {
        let r = Record::new(Code::AnnotationRemoved, "/x", "é".repeat(300));
        assert_eq!(r.message.chars().count(), MAX_MESSAGE_CHARS);
        assert!(r.message.ends_with('…'));
    }

    #[test]
    fn newlines_are_flattened() {
        let r = Record::new(Code::AnnotationRemoved, "/x", "a\nb\tc");
        assert_eq!(r.message, "a b c");
    }

    #[test]
    fn only_not_applicable_records_go_unreported() {
        for code in Code::all() {
            let record = Record::new(*code, "", "m");
            assert_eq!(
                record.is_reportable(),
                *code != Code::NotApplicable,
                "{code}"
            );
        }
    }

    #[test]
    fn codes_are_unique_and_serialise_as_their_text() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::all() {
            assert!(seen.insert(code.as_str()), "duplicate {code}");
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }
}
