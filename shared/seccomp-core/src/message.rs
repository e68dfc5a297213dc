//! Record messages built by appending their pieces: `format!` was the largest
//! part of planning a pod with legacy annotations (every record has one).

use crate::profile::Profile;

/// A message under construction.
pub(crate) struct Message(String);

impl Message {
    pub(crate) fn new() -> Message {
        Message(String::with_capacity(96))
    }

    /// Appends text as is.
    pub(crate) fn s(mut self, text: &str) -> Message {
        self.0.push_str(text);
        self
    }

    /// Appends `pod`, or `container "<name>"` (the name quoted as `{:?}` does).
    pub(crate) fn who(self, container: Option<&str>) -> Message {
        match container {
            None => self.s("pod"),
            Some(name) => self.s("container ").quoted(name),
        }
    }

    /// Appends `name` in double quotes, escaped as `{:?}` would.
    pub(crate) fn quoted(mut self, name: &str) -> Message {
        let plain = name
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
        if plain {
            self.0.push('"');
            self.0.push_str(name);
            self.0.push('"');
        } else {
            self.0.push_str(&format!("{name:?}"));
        }
        self
    }

    /// Appends a profile as its `Display` does (`Localhost <path>`).
    pub(crate) fn profile(self, profile: &Profile) -> Message {
        match profile {
            Profile::RuntimeDefault => self.s("RuntimeDefault"),
            Profile::Unconfined => self.s("Unconfined"),
            Profile::Localhost(path) => self.s("Localhost ").s(path),
        }
    }

    pub(crate) fn done(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_read_as_the_format_strings_did() {
        for name in ["app", "we\"ird", "tab\there", "é"] {
            let built = Message::new().who(Some(name)).s(": set ").done();
            assert_eq!(built, format!("container {name:?}: set "));
        }
        let p = Profile::Localhost("profiles/a.json".into());
        let built = Message::new().who(None).s(" ").profile(&p).done();
        assert_eq!(built, format!("pod {p}"));
        assert_eq!(
            Message::new().profile(&Profile::Unconfined).done(),
            Profile::Unconfined.to_string()
        );
    }
}
