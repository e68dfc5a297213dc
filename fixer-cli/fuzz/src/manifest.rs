//! A generator of Kubernetes manifests in the layouts the fixer meets:
//! pods, workloads, CronJobs, Lists, custom kinds and objects without a pod,
//! with or without security contexts and legacy annotations; written as
//! block YAML (indentation step 2 or 4, flush or indented sequences,
//! comments, blank lines, quoting, block scalars with every chomping
//! indicator, `!!map`/`!!str` tags, flow collections), several documents,
//! CRLF, a BOM, no final newline, or JSON (pretty with spaces or tabs, or
//! on one line). Every choice is drawn from the fuzzer's bytes.

use arbitrary::{Result, Unstructured};
use lossless_yaml::scalar::{json_quote, plain_safe};

/// One generated file.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Its text.
    pub text: String,
    /// Written as JSON (pass `.json` to the fixer).
    pub json: bool,
}

/// A YAML node before it is written.
#[derive(Debug, Clone)]
enum Y {
    /// A string.
    Str(String),
    /// A number, boolean or null, written as is.
    Raw(&'static str),
    /// A mapping.
    Map(Vec<(String, Y)>),
    /// A sequence.
    Seq(Vec<Y>),
}

fn s(text: &str) -> Y {
    Y::Str(text.to_owned())
}

fn map(entries: Vec<(&str, Y)>) -> Y {
    Y::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

/// Generates one file.
pub fn generate(u: &mut Unstructured<'_>) -> Result<Generated> {
    let count = u.int_in_range(1..=3)?;
    let mut docs = Vec::new();
    for _ in 0..count {
        docs.push(object(u, 0)?);
    }
    let json = count == 1 && u.ratio(1, 4)?;
    let mut text = if json {
        write_json(u, &docs[0])?
    } else {
        write_yaml_stream(u, &docs)?
    };
    if u.ratio(1, 8)? {
        text = text.replace('\n', "\r\n");
    }
    if u.ratio(1, 8)? {
        text.insert(0, '\u{feff}');
    }
    if u.ratio(1, 6)? {
        while text.ends_with('\n') || text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(Generated { text, json })
}

fn object(u: &mut Unstructured<'_>, depth: usize) -> Result<Y> {
    let choice = u.int_in_range(0..=if depth == 0 { 6 } else { 4 })?;
    Ok(match choice {
        0 | 1 => map(vec![
            ("apiVersion", s("v1")),
            ("kind", s("Pod")),
            ("metadata", metadata(u, "pod")?),
            ("spec", pod_spec(u)?),
        ]),
        2 => workload(u, "apps/v1", "Deployment")?,
        3 => {
            let job = map(vec![("spec", map(vec![("template", template(u)?)]))]);
            map(vec![
                ("apiVersion", s("batch/v1")),
                ("kind", s("CronJob")),
                ("metadata", metadata(u, "cron")?),
                (
                    "spec",
                    map(vec![("schedule", s("* * * * *")), ("jobTemplate", job)]),
                ),
            ])
        }
        4 => {
            if u.ratio(1, 2)? {
                workload(u, "argoproj.io/v1alpha1", "Rollout")?
            } else {
                map(vec![
                    ("apiVersion", s("v1")),
                    ("kind", s("ConfigMap")),
                    ("metadata", map(vec![("name", s("cm"))])),
                    ("data", map(vec![("key", s("value"))])),
                ])
            }
        }
        _ => {
            let n = u.int_in_range(0..=2)?;
            let mut items = Vec::new();
            for _ in 0..n {
                items.push(object(u, depth + 1)?);
            }
            map(vec![
                ("apiVersion", s("v1")),
                ("kind", s("List")),
                ("items", Y::Seq(items)),
            ])
        }
    })
}

fn workload(u: &mut Unstructured<'_>, api: &str, kind: &str) -> Result<Y> {
    Ok(map(vec![
        ("apiVersion", s(api)),
        ("kind", s(kind)),
        ("metadata", map(vec![("name", s("w"))])),
        (
            "spec",
            map(vec![("replicas", Y::Raw("1")), ("template", template(u)?)]),
        ),
    ]))
}

fn template(u: &mut Unstructured<'_>) -> Result<Y> {
    let mut entries = Vec::new();
    if u.ratio(3, 4)? {
        entries.push(("metadata", metadata(u, "")?));
    }
    entries.push(("spec", pod_spec(u)?));
    Ok(map(entries))
}

const POD_VALUES: &[&str] = &[
    "runtime/default",
    "docker/default",
    "unconfined",
    "localhost/profiles/a.json",
    "localhost/",
    "Runtime/Default",
];

fn metadata(u: &mut Unstructured<'_>, name: &str) -> Result<Y> {
    let mut entries = Vec::new();
    if !name.is_empty() {
        entries.push(("name".to_owned(), s(name)));
    }
    if u.ratio(1, 4)? {
        entries.push(("labels".to_owned(), map(vec![("app", s("a"))])));
    }
    let mut annotations = Vec::new();
    for _ in 0..u.int_in_range(0..=3)? {
        let key = match u.int_in_range(0..=3)? {
            0 => "seccomp.security.alpha.kubernetes.io/pod".to_owned(),
            1 | 2 => format!(
                "container.seccomp.security.alpha.kubernetes.io/c{}",
                u.int_in_range(0..=2)?
            ),
            _ => "example.com/note".to_owned(),
        };
        if annotations.iter().any(|(k, _)| k == &key) {
            continue;
        }
        annotations.push((key, s(u.choose(POD_VALUES)?)));
    }
    if !annotations.is_empty() || u.ratio(1, 8)? {
        entries.push(("annotations".to_owned(), Y::Map(annotations)));
    }
    Ok(Y::Map(entries))
}

fn pod_spec(u: &mut Unstructured<'_>) -> Result<Y> {
    let mut entries = Vec::new();
    if u.ratio(1, 3)? {
        entries.push(("securityContext".to_owned(), security_context(u)?));
    }
    if u.ratio(1, 10)? {
        entries.push((
            "nodeSelector".to_owned(),
            map(vec![("kubernetes.io/os", s("windows"))]),
        ));
    }
    let mut containers = Vec::new();
    for i in 0..u.int_in_range(1..=3)? {
        containers.push(container(u, i)?);
    }
    entries.push(("containers".to_owned(), Y::Seq(containers)));
    if u.ratio(1, 5)? {
        entries.push(("initContainers".to_owned(), Y::Seq(vec![container(u, 9)?])));
    }
    if u.ratio(1, 4)? {
        entries.push(("restartPolicy".to_owned(), s("Never")));
    }
    // Containers need not come last.
    if u.ratio(1, 3)? {
        entries.reverse();
    }
    Ok(Y::Map(entries))
}

fn container(u: &mut Unstructured<'_>, index: usize) -> Result<Y> {
    let mut entries = vec![
        ("name".to_owned(), Y::Str(format!("c{index}"))),
        ("image".to_owned(), s("busybox:1.36")),
    ];
    if u.ratio(1, 3)? {
        entries.push(("securityContext".to_owned(), security_context(u)?));
    }
    if u.ratio(1, 3)? {
        let lines = u.int_in_range(1..=3)?;
        let mut text = String::new();
        for i in 0..lines {
            text.push_str(&format!("echo {i}\n"));
        }
        for _ in 0..u.int_in_range(0..=2)? {
            text.push('\n');
        }
        entries.push((
            "args".to_owned(),
            Y::Seq(vec![s("sh"), s("-c"), Y::Str(text)]),
        ));
    }
    if u.ratio(1, 3)? {
        entries.reverse();
    }
    Ok(Y::Map(entries))
}

fn security_context(u: &mut Unstructured<'_>) -> Result<Y> {
    Ok(match u.int_in_range(0..=6)? {
        0 => Y::Raw("null"),
        1 => Y::Map(Vec::new()),
        2 => map(vec![("runAsNonRoot", Y::Raw("true"))]),
        3 => map(vec![(
            "seccompProfile",
            map(vec![("type", s("RuntimeDefault"))]),
        )]),
        4 => map(vec![(
            "seccompProfile",
            map(vec![("type", s("Unconfined"))]),
        )]),
        5 => map(vec![("privileged", Y::Raw("true"))]),
        _ => map(vec![
            ("runAsUser", Y::Raw("1000")),
            (
                "seccompProfile",
                map(vec![
                    ("type", s("Localhost")),
                    ("localhostProfile", s("profiles/x.json")),
                ]),
            ),
        ]),
    })
}

/// How a YAML stream is being written.
struct Yaml<'a, 'b> {
    u: &'a mut Unstructured<'b>,
    step: usize,
    /// Sequences at their key's column (`- ` flush) instead of indented.
    flush: bool,
    out: String,
}

fn write_yaml_stream(u: &mut Unstructured<'_>, docs: &[Y]) -> Result<String> {
    let step = if u.ratio(1, 4)? { 4 } else { 2 };
    let flush = u.ratio(1, 2)?;
    let mut w = Yaml {
        u,
        step,
        flush,
        out: String::new(),
    };
    if w.u.ratio(1, 4)? {
        w.out.push_str("# generated\n");
    }
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 || w.u.ratio(1, 4)? {
            w.out.push_str("---\n");
        }
        if let Y::Map(entries) = doc {
            w.block_map(entries, 0)?;
        }
        if w.u.ratio(1, 8)? {
            w.out.push_str("...\n");
        }
    }
    Ok(w.out)
}

impl Yaml<'_, '_> {
    fn pad(&mut self, indent: usize) {
        self.out.push_str(&" ".repeat(indent));
    }

    fn block_map(&mut self, entries: &[(String, Y)], indent: usize) -> Result<()> {
        for (key, value) in entries {
            self.decorate(indent)?;
            self.pad(indent);
            self.entry(key, value, indent)?;
        }
        Ok(())
    }

    /// A comment line or a blank line, sometimes.
    fn decorate(&mut self, indent: usize) -> Result<()> {
        match self.u.int_in_range(0..=9)? {
            0 => {
                self.pad(indent);
                self.out.push_str("# note\n");
            }
            1 => self.out.push('\n'),
            _ => {}
        }
        Ok(())
    }

    /// `key: value` (the indentation already written), ending with a newline.
    fn entry(&mut self, key: &str, value: &Y, indent: usize) -> Result<()> {
        self.out.push_str(&key_text(key));
        self.out.push(':');
        match value {
            Y::Map(entries) if !entries.is_empty() => {
                if self.u.ratio(1, 6)? {
                    self.out.push(' ');
                    self.out.push_str(&flow(value));
                    self.line_end()?;
                } else {
                    if self.u.ratio(1, 8)? {
                        self.out.push_str(" !!map");
                    }
                    self.line_end()?;
                    self.block_map(entries, indent + self.step)?;
                }
            }
            Y::Seq(items) if !items.is_empty() => {
                if self.u.ratio(1, 6)? {
                    self.out.push(' ');
                    self.out.push_str(&flow(value));
                    self.line_end()?;
                } else {
                    self.line_end()?;
                    let dash = if self.flush {
                        indent
                    } else {
                        indent + self.step
                    };
                    self.block_seq(items, dash)?;
                }
            }
            Y::Str(text) if text.contains('\n') => self.block_scalar(text, indent)?,
            _ => {
                self.out.push(' ');
                self.scalar(value)?;
                self.line_end()?;
            }
        }
        Ok(())
    }

    fn line_end(&mut self) -> Result<()> {
        if self.u.ratio(1, 10)? {
            self.out.push_str(" # c");
        }
        self.out.push('\n');
        Ok(())
    }

    fn block_seq(&mut self, items: &[Y], dash: usize) -> Result<()> {
        for item in items {
            self.decorate(dash)?;
            self.pad(dash);
            self.out.push_str("- ");
            match item {
                Y::Map(entries) if !entries.is_empty() => {
                    let (key, value) = &entries[0];
                    self.entry(key, value, dash + 2)?;
                    self.block_map(&entries[1..], dash + 2)?;
                }
                Y::Str(text) if text.contains('\n') => self.block_scalar(text, dash)?,
                Y::Map(_) | Y::Seq(_) => {
                    self.out.push_str(&flow(item));
                    self.out.push('\n');
                }
                _ => {
                    self.scalar(item)?;
                    self.line_end()?;
                }
            }
        }
        Ok(())
    }

    /// A multi-line string as a literal block scalar: `|-` without a final
    /// line break, `|` or `|+` with one, `|+` with more.
    fn block_scalar(&mut self, text: &str, indent: usize) -> Result<()> {
        let body = text.trim_end_matches('\n');
        let breaks = text.len() - body.len();
        let header = match breaks {
            0 => " |-",
            1 if self.u.ratio(1, 2)? => " |",
            _ => " |+",
        };
        self.out.push_str(header);
        self.out.push('\n');
        for line in body.split('\n') {
            self.pad(indent + self.step);
            self.out.push_str(line);
            self.out.push('\n');
        }
        for _ in 1..breaks {
            self.out.push('\n');
        }
        Ok(())
    }

    fn scalar(&mut self, value: &Y) -> Result<()> {
        match value {
            Y::Str(text) => {
                let style = self.u.int_in_range(0..=4)?;
                match style {
                    0 => self.out.push_str(&json_quote(text)),
                    1 if !text.contains('\'') => {
                        self.out.push('\'');
                        self.out.push_str(text);
                        self.out.push('\'');
                    }
                    2 if plain_safe(text) => {
                        self.out.push_str("!!str ");
                        self.out.push_str(text);
                    }
                    _ if plain_safe(text) => self.out.push_str(text),
                    _ => self.out.push_str(&json_quote(text)),
                }
            }
            Y::Raw(raw) => self.out.push_str(raw),
            Y::Map(_) | Y::Seq(_) => self.out.push_str(&flow(value)),
        }
        Ok(())
    }
}

fn key_text(key: &str) -> String {
    if plain_safe(key) {
        key.to_owned()
    } else {
        json_quote(key)
    }
}

/// A value in flow style: strings double-quoted unless plain and free of
/// flow indicators.
fn flow(value: &Y) -> String {
    match value {
        Y::Str(text) if plain_safe(text) && !text.contains([',', '[', ']', '{', '}']) => {
            text.clone()
        }
        Y::Str(text) => json_quote(text),
        Y::Raw(raw) => (*raw).to_owned(),
        Y::Map(entries) => {
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", json_quote(k), flow(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Y::Seq(items) => {
            let parts: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

fn write_json(u: &mut Unstructured<'_>, doc: &Y) -> Result<String> {
    let unit = match u.int_in_range(0..=3)? {
        0 => None,
        1 => Some("\t"),
        2 => Some("    "),
        _ => Some("  "),
    };
    let mut out = String::new();
    json(&mut out, doc, unit, 0);
    out.push('\n');
    Ok(out)
}

fn json(out: &mut String, value: &Y, unit: Option<&str>, level: usize) {
    let (open, close, empty) = match value {
        Y::Map(entries) => ('{', '}', entries.is_empty()),
        Y::Seq(items) => ('[', ']', items.is_empty()),
        Y::Str(text) => return out.push_str(&json_quote(text)),
        Y::Raw(raw) => return out.push_str(raw),
    };
    out.push(open);
    if empty {
        out.push(close);
        return;
    }
    let mut parts: Vec<(Option<&str>, &Y)> = Vec::new();
    match value {
        Y::Map(entries) => parts.extend(entries.iter().map(|(k, v)| (Some(k.as_str()), v))),
        Y::Seq(items) => parts.extend(items.iter().map(|v| (None, v))),
        _ => {}
    }
    for (i, (key, item)) in parts.iter().enumerate() {
        if i > 0 {
            out.push(',');
            if unit.is_none() {
                out.push(' ');
            }
        }
        if let Some(unit) = unit {
            out.push('\n');
            out.push_str(&unit.repeat(level + 1));
        }
        if let Some(key) = key {
            out.push_str(&json_quote(key));
            out.push_str(": ");
        }
        json(out, item, unit, level + 1);
    }
    if let Some(unit) = unit {
        out.push('\n');
        out.push_str(&unit.repeat(level));
    }
    out.push(close);
}
