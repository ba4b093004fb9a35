//! Fixtures: answers of the real API (`tests/fixtures/api/`, captured from `cointent serve`
//! over the demo world; see `tests/fixtures/README.md`).

use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

/// The text of fixture `name`.
pub(crate) fn text(name: &str) -> String {
    let path = format!("{}/tests/fixtures/api/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Fixture `name` as JSON.
pub(crate) fn json(name: &str) -> Value {
    serde_json::from_str(&text(name)).unwrap()
}

/// Reads fixture `name` into `T` (as the app does) and checks that `T` writes the same JSON
/// back (as the API will): same members, same values, same nulls.
pub(crate) fn round_trip<T: DeserializeOwned + Serialize>(name: &str) -> T {
    let typed: T = serde_json::from_str(&text(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let back = serde_json::to_value(&typed).unwrap();
    if let Some(diff) = first_difference("", &json(name), &back) {
        panic!("{name} does not come back unchanged: {diff}");
    }
    typed
}

/// Where `b` first differs from `a`, as a JSON path.
pub(crate) fn first_difference(path: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let at = format!("{path}.{key}");
                match (x.get(key), y.get(key)) {
                    (Some(p), Some(q)) => {
                        if let Some(d) = first_difference(&at, p, q) {
                            return Some(d);
                        }
                    }
                    (p, q) => return Some(format!("{at}: {p:?} became {q:?}")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(&format!("{path}[{i}]"), p, q)),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} became {b}")),
    }
}

/// Every order detail fixture.
pub(crate) const ORDERS: &[&str] = &[
    "order_1", "order_2", "order_3", "order_4", "order_5", "order_6", "order_7", "order_8",
    "order_9", "order_10", "order_12",
];
