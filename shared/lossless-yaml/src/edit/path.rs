//! Resolving a JSON pointer to the spanned nodes along it, refusing paths
//! that go through anchors, aliases, merge keys or duplicated keys.

use crate::tree::{Kind, Node};

use super::EditError;

/// One node on the path, with the mapping key that leads to it.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    /// The node.
    pub node: &'a Node,
    /// The key node when the parent is a mapping.
    pub key: Option<&'a Node>,
}

/// Checks that a node can be edited in place (no anchor, not an alias, no
/// merge key; duplicated keys are checked where the path uses them).
pub fn check_safe(node: &Node, pointer: &str) -> Result<(), EditError> {
    let unsafe_yaml = |what: &'static str| EditError::Unsafe {
        pointer: pointer.to_owned(),
        line: node.line,
        what,
    };
    if node.anchor != 0 {
        return Err(unsafe_yaml("an anchor (&)"));
    }
    match &node.kind {
        Kind::Alias(_) => Err(unsafe_yaml("an alias (*)")),
        Kind::Mapping { entries, .. } => {
            for (key, _) in entries {
                match key.scalar() {
                    Some("<<") => return Err(unsafe_yaml("a merge key (<<)")),
                    // `? # c` or `: x`: the parser places such a key at the
                    // next token, so its entry has no known text.
                    Some("") if key.start == key.end => {
                        return Err(unsafe_yaml("a key without text"))
                    }
                    Some(_) => {}
                    None => return Err(unsafe_yaml("a non-scalar key")),
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Checks a whole subtree that is about to be removed or replaced.
pub fn check_subtree(node: &Node, pointer: &str) -> Result<(), EditError> {
    check_safe(node, pointer)?;
    match &node.kind {
        Kind::Mapping { entries, .. } => entries.iter().try_for_each(|(k, v)| {
            check_subtree(k, pointer)?;
            check_subtree(v, pointer)
        }),
        Kind::Sequence { items, .. } => items.iter().try_for_each(|i| check_subtree(i, pointer)),
        _ => Ok(()),
    }
}

/// The nodes from `root` down to the last token that exists. Returns the
/// steps and how many tokens were resolved.
pub fn resolve<'a>(
    root: &'a Node,
    tokens: &[String],
    pointer: &str,
) -> Result<Vec<Step<'a>>, EditError> {
    let mut steps = vec![Step {
        node: root,
        key: None,
    }];
    let mut node = root;
    for token in tokens {
        check_safe(node, pointer)?;
        let next = match &node.kind {
            Kind::Mapping { entries, .. } => {
                let mut matching = entries
                    .iter()
                    .filter(|(k, _)| k.scalar() == Some(token.as_str()));
                let found = matching.next();
                if let (Some((key, _)), Some(_)) = (found, matching.next()) {
                    return Err(EditError::Unsafe {
                        pointer: pointer.to_owned(),
                        line: key.line,
                        what: "a duplicated key",
                    });
                }
                found.map(|(k, v)| Step {
                    node: v,
                    key: Some(k),
                })
            }
            Kind::Sequence { items, .. } => token
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .map(|n| Step { node: n, key: None }),
            _ => None,
        };
        let Some(next) = next else {
            break;
        };
        node = next.node;
        steps.push(next);
    }
    if let Some(last) = steps.last() {
        check_safe(last.node, pointer)?;
    }
    Ok(steps)
}

/// The 1-based line of the deepest existing node on `pointer`, at its key
/// (for reports: a field about to be added is reported at the mapping that
/// receives it).
pub fn line_of(root: &Node, pointer: &str) -> usize {
    let Ok(ptr) = jsonptr::Pointer::parse(pointer) else {
        return root.line;
    };
    let mut node = root;
    let mut line = root.line;
    for token in ptr.tokens() {
        let token = token.decoded();
        let next = match &node.kind {
            // The last of duplicated keys, as `Node::get` and the JSON value
            // (whose value the core planned on) take it.
            Kind::Mapping { entries, .. } => entries
                .iter()
                .rev()
                .find(|(k, _)| k.scalar() == Some(token.as_ref()))
                .map(|(k, v)| (k.line, v)),
            Kind::Sequence { items, .. } => token
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .map(|n| (n.line, n)),
            _ => None,
        };
        match next {
            Some((at, next)) => {
                line = at;
                node = next;
            }
            None => break,
        }
    }
    line
}
