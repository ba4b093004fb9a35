//! Text inside HTML: [`escape_html`], the one escape of the app's HTML fragments and of the
//! API's printable labels, and [`short`], how both shorten an address or a hash for people.

/// `text` safe inside HTML element content and inside quoted attribute values: `&`, `<`,
/// `>`, `"` and `'` become character references; everything else is kept.
///
/// ```
/// use cointent_domain::escape_html;
/// assert_eq!(escape_html(r#"<a href="x">Tom & Jerry's</a>"#),
///            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
/// ```
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A short form of an address or a hash for people: its first six and last four
/// characters. Text of twelve characters or fewer, or not ASCII, is kept whole.
///
/// ```
/// use cointent_domain::short;
/// assert_eq!(short("0x70997970c51812dc3a010c7d01b50e0d17dc79c8"), "0x7099…79c8");
/// assert_eq!(short("0x1234"), "0x1234");
/// ```
pub fn short(a: &str) -> String {
    if a.len() > 12 && a.is_ascii() {
        format!("{}…{}", &a[..6], &a[a.len() - 4..])
    } else {
        a.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_and_keeps_the_rest() {
        for (text, html) in [
            ("", ""),
            ("plain · text — ✓", "plain · text — ✓"),
            ("a&b", "a&amp;b"),
            ("<script>", "&lt;script&gt;"),
            (r#"say "hi""#, "say &quot;hi&quot;"),
            ("it's", "it&#39;s"),
            ("&amp;", "&amp;amp;"),
        ] {
            assert_eq!(escape_html(text), html, "{text}");
        }
    }
}
