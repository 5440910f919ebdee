//! Text from outside (DNS, databases, the user's files) made safe to show:
//! invisible characters become visible.
//!
//! A bidi control (U+202E RIGHT-TO-LEFT OVERRIDE and its kin) makes a host
//! `\u{202e}evil\u{202c}x` read "livex" in a browser; a zero-width space
//! makes two names look the same. Every format character (Unicode general
//! category Cf), control character (Cc) and line or paragraph separator
//! (Zl, Zp) is shown as `<U+XXXX>` instead, before any format's own
//! escaping, in every output.

use unicode_general_category::{GeneralCategory, get_general_category};

/// Whether `c` changes how text around it is shown without being seen.
pub fn is_invisible(c: char) -> bool {
    matches!(
        get_general_category(c),
        GeneralCategory::Format
            | GeneralCategory::Control
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

/// `text` with every invisible character written as `<U+XXXX>`. Newlines
/// and tabs are invisible too: callers that keep lines split them first.
pub fn visible(text: &str) -> String {
    visible_cow(text).into_owned()
}

/// [`visible`], borrowing the text when nothing in it needs showing.
pub fn visible_cow(text: &str) -> std::borrow::Cow<'_, str> {
    // Most text is printable ASCII, where only the controls are invisible:
    // decided a byte at a time without looking up each character's category.
    if is_printable_ascii(text) || !text.chars().any(is_invisible) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_invisible(c) {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Whether every byte of `text` is printable ASCII (space to `~`), so
/// that nothing in it is invisible.
pub fn is_printable_ascii(text: &str) -> bool {
    text.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// For a terminal: [`visible`], so that no escape sequence or bidi control
/// from DNS reaches the screen.
pub fn plain(text: &str) -> String {
    visible(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_and_zero_width_characters_are_shown() {
        assert_eq!(visible("\u{202e}evil\u{202c}x"), "<U+202E>evil<U+202C>x");
        assert_eq!(visible("a\u{200b}b"), "a<U+200B>b");
        assert_eq!(visible("esc\u{1b}[31m"), "esc<U+001B>[31m");
        assert_eq!(visible("line\u{2028}sep"), "line<U+2028>sep");
        assert_eq!(visible("räksmörgås.se"), "räksmörgås.se");
    }
}
