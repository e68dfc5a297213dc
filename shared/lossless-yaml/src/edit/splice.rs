//! Text splices: replace byte range `start..end` of the original with `text`.

/// One replacement in the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    /// First byte replaced.
    pub start: usize,
    /// Byte after the last one replaced (`start` for a pure insertion).
    pub end: usize,
    /// Replacement text.
    pub text: String,
    /// Among insertions at the same offset, lower ranks go first (entries of
    /// a deeper mapping before those of the mapping around it).
    pub rank: usize,
}

impl Splice {
    /// Inserts `text` at `at`.
    pub fn insert(at: usize, text: String) -> Self {
        Splice {
            start: at,
            end: at,
            text,
            rank: 0,
        }
    }

    /// Inserts entries of a block mapping at column `col` at `at`: at the same
    /// offset, a deeper mapping's entries come first.
    pub fn insert_at_column(at: usize, col: usize, text: String) -> Self {
        Splice {
            rank: usize::MAX - col,
            ..Splice::insert(at, text)
        }
    }

    /// Deletes `start..end`.
    pub fn delete(start: usize, end: usize) -> Self {
        Splice {
            start,
            end,
            text: String::new(),
            rank: 0,
        }
    }
}

/// Two splices touch the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("overlapping edits at bytes {0} and {1}")]
pub struct Overlap(pub usize, pub usize);

/// Applies `splices` to `original`. Splices at the same offset keep their
/// order; overlapping deletions merge (removing an entry and then its whole
/// mapping); any other overlap, or a range off a char boundary, is an error.
pub fn apply(original: &str, mut splices: Vec<Splice>) -> Result<String, Overlap> {
    splices.sort_by_key(|s| (s.start, s.end, s.rank));
    let added: usize = splices.iter().map(|s| s.text.len()).sum();
    let mut out = String::with_capacity(original.len() + added);
    let mut cursor = 0;
    let mut last_deleted = false;
    for splice in &splices {
        let deletion = splice.text.is_empty() && splice.end > splice.start;
        if deletion && last_deleted && splice.start < cursor && splice.end <= original.len() {
            cursor = cursor.max(splice.end);
            continue;
        }
        last_deleted = deletion;
        if splice.start < cursor
            || splice.end < splice.start
            || splice.end > original.len()
            || !original.is_char_boundary(splice.start)
            || !original.is_char_boundary(splice.end)
        {
            return Err(Overlap(cursor, splice.start));
        }
        out.push_str(&original[cursor..splice.start]);
        out.push_str(&splice.text);
        cursor = splice.end;
    }
    out.push_str(&original[cursor..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn splices_apply_in_offset_order() {
        let out = apply(
            "abcdef",
            vec![
                Splice::insert(6, "!".into()),
                Splice::delete(1, 3),
                Splice::insert(0, ">".into()),
                Splice::insert(6, "?".into()),
            ],
        )
        .unwrap();
        assert_eq!(out, ">adef!?");
    }

    #[test]
    fn deeper_insertions_go_first_at_the_same_offset() {
        let out = apply(
            "x\n",
            vec![
                Splice::insert_at_column(2, 0, "outer\n".into()),
                Splice::insert_at_column(2, 4, "    inner\n".into()),
            ],
        )
        .unwrap();
        assert_eq!(out, "x\n    inner\nouter\n");
    }

    #[test]
    fn overlapping_deletions_merge() {
        let out = apply("abcdef", vec![Splice::delete(2, 3), Splice::delete(1, 5)]).unwrap();
        assert_eq!(out, "af");
    }

    #[test]
    fn overlaps_are_refused() {
        assert!(apply(
            "abcdef",
            vec![Splice::delete(1, 4), Splice::insert(2, "x".into())]
        )
        .is_err());
        assert!(apply(
            "abcdef",
            vec![
                Splice::delete(1, 4),
                Splice {
                    start: 2,
                    end: 5,
                    text: "y".into(),
                    rank: 0,
                }
            ]
        )
        .is_err());
        assert!(apply("ab", vec![Splice::delete(1, 9)]).is_err());
    }
}
