//! Case tables as one `#[test]` per case, in the manner of ripgrep's
//! `rgtest!`: a failing case names itself and does not hide the others.
//! [`assert_same_text`] is the `eqnice!` half: a unified diff on failure.

/// `cases!(check; name: case, ...)` defines `#[test] fn name() { check(case) }`
/// for every case. `cases!(check => LIST: Type; ...)` also defines
/// `const LIST: &[Type]` holding every case, for a test that checks that
/// the table covers what is on disk.
macro_rules! cases {
    ($check:path => $list:ident: $ty:ty; $($name:ident: $case:expr),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                $check($case)
            }
        )+
        /// Every case of the table above.
        const $list: &[$ty] = &[$($case),+];
    };
    ($check:path; $($name:ident: $case:expr),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                $check($case)
            }
        )+
    };
}

/// Panics with a unified diff (want → got) unless the texts are equal.
#[track_caller]
pub fn assert_same_text(want: &[u8], got: &[u8], what: &str) {
    if want == got {
        return;
    }
    let want = String::from_utf8_lossy(want);
    let got = String::from_utf8_lossy(got);
    let diff = similar::TextDiff::from_lines(want.as_ref(), got.as_ref())
        .unified_diff()
        .context_radius(3)
        .header("want", "got")
        .to_string();
    let diff = if diff.is_empty() {
        // Same lines, different bytes elsewhere (a line break, a BOM).
        format!("want {want:?}\n got {got:?}")
    } else {
        diff
    };
    panic!("{what}: the output differs\n{diff}");
}
