//! Text inside HTML: [`escape_html`], the one escape of the app's HTML fragments and of the
//! API's printable labels.

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
