//! English and Hindi.
//!
//! The language is chosen once, at start-up: the one remembered in `localStorage`
//! (`cointent.lang`), else Hindi when the browser's language is Hindi, else English. Changing
//! it stores the choice and reloads the page, so nothing needs to re-render reactively.
//!
//! The English text in the code is the key: [`t`] returns it as is in English, and its Hindi
//! from the catalogue (`app/static/i18n/hi.json`, English → Hindi) otherwise. The catalogue
//! is fetched before the app mounts, and only for Hindi readers: no Hindi is compiled into the
//! WASM, so English readers download nothing more. It is kept as the object the browser
//! parsed, and looked up with `Reflect::get`, so the WASM carries no map of its own.
//!
//! A test beside this module reads the key of every call of `t`, `tf` and `tc` in `app/src/` and
//! fails when one has no Hindi in the catalogue, or when the catalogue holds a key no longer
//! used.

use std::{
    cell::{Cell, RefCell},
    fmt::Display,
};

use wasm_bindgen::JsValue;

/// The language the app is shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lang {
    /// English: the text as written in the code.
    En,
    /// Hindi, from the catalogue.
    Hi,
}

impl Lang {
    /// The BCP 47 tag (`<html lang>`, `Intl`'s locale).
    pub(crate) const fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Hi => "hi",
        }
    }
}

/// Where the reader's choice is remembered.
const REMEMBERED: &str = "cointent.lang";

/// The catalogue's address (served with `Cache-Control: no-cache`, like `index.html`).
const CATALOGUE_URL: &str = "/i18n/hi.json";

thread_local! {
    static LANG: Cell<Lang> = const { Cell::new(Lang::En) };
    // The Hindi catalogue as the browser parsed it (an object); none in English.
    static CATALOGUE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// The language the app is shown in.
pub(crate) fn lang() -> Lang {
    LANG.with(Cell::get)
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Chooses the language (the remembered choice, else the browser's) and tells the page
/// (`<html lang>`).
pub(crate) fn pick() -> Lang {
    let remembered = storage().and_then(|s| s.get_item(REMEMBERED).ok().flatten());
    let lang = match remembered.as_deref() {
        Some("hi") => Lang::Hi,
        Some("en") => Lang::En,
        _ => {
            let browser = web_sys::window().and_then(|w| w.navigator().language());
            if browser.is_some_and(|l| l.to_ascii_lowercase().starts_with("hi")) {
                Lang::Hi
            } else {
                Lang::En
            }
        }
    };
    LANG.with(|l| l.set(lang));
    if let Some(root) = web_sys::window().and_then(|w| w.document()?.document_element()) {
        let _ = root.set_attribute("lang", lang.tag());
    }
    lang
}

/// Fetches the Hindi catalogue. Without it the app is shown in English text (and Hindi
/// numbers and dates), which is better than no app.
pub(crate) async fn load_catalogue() {
    if let Ok((200, Some(c))) = crate::net::fetch_json(CATALOGUE_URL, "GET", None, None).await {
        CATALOGUE.with(|k| *k.borrow_mut() = Some(c));
    }
}

/// Remembers `lang` and reloads the page in it.
pub(crate) fn switch(lang: Lang) {
    if let Some(s) = storage() {
        let _ = s.set_item(REMEMBERED, lang.tag());
    }
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// `s` in the reader's language: as written in English, from the catalogue in Hindi (`s`
/// itself when the catalogue lacks it).
pub(crate) fn t(s: &str) -> String {
    hindi(s).unwrap_or_else(|| s.to_owned())
}

/// [`t`] of a word whose Hindi depends on how it is used (the noun or the verb
/// "Delegate"): its catalogue key is `context|s`; English shows `s`.
pub(crate) fn tc(context: &str, s: &str) -> String {
    if lang() == Lang::En {
        return s.to_owned();
    }
    hindi(&format!("{context}|{s}")).unwrap_or_else(|| s.to_owned())
}

/// The catalogue's Hindi for `key`, if it is loaded and has it.
fn hindi(key: &str) -> Option<String> {
    CATALOGUE.with(|k| {
        let k = k.borrow();
        js_sys::Reflect::get(k.as_ref()?, &JsValue::from_str(key)).ok()?.as_string()
    })
}

/// [`t`] of a sentence with values: `{0}`, `{1}`, ... in it are replaced by `args`, in the
/// order the translation puts them.
pub(crate) fn tf(s: &str, args: &[&dyn Display]) -> String {
    fill(t(s), args)
}

fn fill(s: String, args: &[&dyn Display]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s.as_str();
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        let hole = rest[1..].find('}').and_then(|close| {
            let arg = args.get(rest[1..=close].parse::<usize>().ok()?)?;
            Some((arg, close + 2))
        });
        match hole {
            Some((arg, len)) => {
                let _ = write!(out, "{arg}");
                rest = &rest[len..];
            }
            None => {
                out.push('{');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use std::{collections::BTreeSet, path::Path};

    use cointent_domain::{DisputeOutcome, MilestoneState, OrderKind, OrderStatus};

    use super::fill;

    /// The key of every call of `t` and `tf` in the Rust files under `dir`, with the file it
    /// is in.
    fn keys_in(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("read app/src") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                keys_in(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read a source file");
                // Not the tests: their keys are examples.
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                for key in keys_of(code) {
                    out.push((key, path.display().to_string()));
                }
            }
        }
    }

    /// The string literals right after `t(` and `tf(` (names not ending another
    /// identifier; rustfmt may put the literal on the next line), unescaped, with string
    /// continuations (`\` at the end of a line) joined.
    fn keys_of(text: &str) -> Vec<String> {
        let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        let b = text.as_bytes();
        let mut keys = Vec::new();
        for i in 0..b.len() {
            if !text.is_char_boundary(i) || i > 0 && ident(b[i - 1]) {
                continue;
            }
            let rest = &text[i..];
            if let Some(args) = rest.strip_prefix("t(").or_else(|| rest.strip_prefix("tf(")) {
                if let Some((key, _)) = literal(args) {
                    keys.push(key);
                }
            } else if let Some(args) = rest.strip_prefix("tc(") {
                // `tc("context", "English")`: the key is `context|English`.
                let Some((context, args)) = literal(args) else { continue };
                let args = args.trim_start().strip_prefix(',').expect("tc has two arguments");
                let (english, _) = literal(args).expect("tc's text is a literal");
                keys.push(format!("{context}|{english}"));
            }
        }
        keys
    }

    /// The string literal `text` starts with (after white space), unescaped, and what follows
    /// it; `None` when it does not start with one.
    fn literal(text: &str) -> Option<(String, &str)> {
        let lit = text.trim_start().strip_prefix('"')?;
        let mut key = String::new();
        let mut chars = lit.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some((key, chars.as_str())),
                '\\' => match chars.next() {
                    Some('\n') => {
                        while chars.clone().next().is_some_and(char::is_whitespace) {
                            chars.next();
                        }
                    }
                    Some('n') => key.push('\n'),
                    Some('"') => key.push('"'),
                    Some('\\') => key.push('\\'),
                    Some('u') => {
                        let hex: String =
                            chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                        let code = u32::from_str_radix(&hex, 16).expect("\\u{..}");
                        key.push(char::from_u32(code).expect("a char"));
                    }
                    other => panic!("unexpected escape {other:?} in a key"),
                },
                c => key.push(c),
            }
        }
        None
    }

    /// The Hindi catalogue, English → Hindi.
    fn catalogue() -> serde_json::Map<String, serde_json::Value> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("static/i18n/hi.json");
        let text = std::fs::read_to_string(path).expect("read app/static/i18n/hi.json");
        serde_json::from_str(&text).expect("hi.json is a JSON object")
    }

    /// Keys the code looks up from data rather than as literals: the lifecycle's names.
    fn named_keys() -> impl Iterator<Item = &'static str> {
        OrderKind::ALL
            .iter()
            .map(|k| k.as_str())
            .chain(OrderStatus::ALL.iter().map(|s| s.as_str()))
            .chain(MilestoneState::ALL.iter().map(|s| s.as_str()))
            .chain(DisputeOutcome::ALL.iter().map(|s| s.as_str()))
    }

    #[test]
    fn every_string_has_hindi_and_no_hindi_is_stale() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut used = Vec::new();
        keys_in(&root.join("src"), &mut used);
        assert!(used.len() > 300, "found only {} keys: is the scan broken?", used.len());
        used.extend(named_keys().map(|k| (k.to_owned(), "cointent-domain".to_owned())));
        let catalogue = catalogue();
        let mut missing: Vec<String> = used
            .iter()
            .filter(|(k, _)| {
                !catalogue.get(k).and_then(|v| v.as_str()).is_some_and(|v| !v.is_empty())
            })
            .map(|(k, file)| format!("{k:?} ({file})"))
            .collect();
        missing.dedup();
        assert!(
            missing.is_empty(),
            "no Hindi in app/static/i18n/hi.json for:\n{}",
            missing.join("\n")
        );
        let used: BTreeSet<&str> = used.iter().map(|(k, _)| k.as_str()).collect();
        let stale: Vec<&String> = catalogue.keys().filter(|k| !used.contains(k.as_str())).collect();
        assert!(stale.is_empty(), "keys in hi.json no code uses any more: {stale:?}");
    }

    #[test]
    fn placeholders_survive_translation() {
        let catalogue = catalogue();
        let holes = |s: &str| {
            let mut h: Vec<String> =
                (0..10).map(|i| format!("{{{i}}}")).filter(|p| s.contains(p.as_str())).collect();
            h.sort();
            h
        };
        for (en, hi) in &catalogue {
            let hi = hi.as_str().unwrap_or_default();
            assert_eq!(holes(en), holes(hi), "the Hindi of {en:?} ({hi:?}) has other placeholders");
        }
    }

    #[test]
    fn fill_puts_values_where_the_translation_says() {
        assert_eq!(fill("{1} में से {0}".into(), &[&3, &"दस"]), "दस में से 3");
        assert_eq!(fill("{0} of {0}".into(), &[&7]), "7 of 7");
        assert_eq!(fill("{x} {9} {".into(), &[&1]), "{x} {9} {");
    }

    #[test]
    fn keys_of_finds_t_and_tf_only() {
        let src = "t(\"A\") tf(\"B {0}\", &[&x]) at(\"C\") fmt(\"D\") t(\"E \\\"q\\\"\")\n\
            tf(\n    \"F \\\n     G\",\n) t(x) t(\"\\u{201c}H\\u{201d}\") tc(\"verb\", \"I\")";
        assert_eq!(keys_of(src), ["A", "B {0}", "E \"q\"", "F G", "\u{201c}H\u{201d}", "verb|I"]);
    }
}
