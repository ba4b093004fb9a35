//! Query strings checked against the OpenAPI document and put in one canonical form.
//!
//! Every `/v1` request's query parameters must be ones its operation documents: anything
//! else is a 400 naming the parameter (unknown parameters used to be accepted, and each new
//! spelling filled the response cache). The query the handlers and the cache then see is
//! canonical: parameters sorted by name, integers without leading zeros, one encoding. So
//! `?size=0300&margin=2` and `?margin=2&size=300` are one cache entry.
//!
//! The rules come from the generated document (`router::document`), so they cannot drift from
//! what the handlers declare; the few routes outside it (`/health`, `/ready`, `/docs`,
//! `/metrics`, the document itself) take no parameters. The app's files are not checked: their
//! queries are the app's.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{Method, Uri, uri::PathAndQuery},
    middleware::Next,
    response::{IntoResponse, Response},
};
use utoipa::openapi::{OpenApi, path::ParameterIn};

use crate::error::ApiError;

/// The query parameters of each operation, by method and path template (as routed, e.g.
/// `/v1/orders/{chain_id}/{order_id}`).
#[derive(Debug, Default)]
pub(crate) struct Rules {
    operations: HashMap<(Method, String), Operation>,
}

/// One operation's query parameters.
#[derive(Debug, Default)]
struct Operation {
    known: HashSet<String>,
    /// Those whose schema is an integer: written without leading zeros.
    integers: HashSet<String>,
}

impl Rules {
    /// The rules of every operation of `doc`, and GET `plain` paths that take no parameters
    /// (those the document does not describe: `/health`, the document itself...).
    pub(crate) fn new(doc: &OpenApi, plain: &[&str]) -> Self {
        let mut rules = Self::from_document(doc);
        for path in plain {
            rules.operations.insert((Method::GET, path.to_string()), Operation::default());
        }
        rules
    }

    /// The rules of every operation of `doc`.
    fn from_document(doc: &OpenApi) -> Self {
        let mut operations = HashMap::new();
        for (path, item) in &doc.paths.paths {
            let methods = [
                (Method::GET, &item.get),
                (Method::POST, &item.post),
                (Method::PUT, &item.put),
                (Method::DELETE, &item.delete),
                (Method::PATCH, &item.patch),
            ];
            for (method, op) in methods {
                let Some(op) = op else { continue };
                let mut rules = Operation::default();
                for p in op.parameters.iter().flatten() {
                    if !matches!(p.parameter_in, ParameterIn::Query) {
                        continue;
                    }
                    rules.known.insert(p.name.clone());
                    if p.schema.as_ref().is_some_and(is_integer) {
                        rules.integers.insert(p.name.clone());
                    }
                }
                operations.insert((method, path.clone()), rules);
            }
        }
        Self { operations }
    }

    /// The canonical form of `query` for `method` on `path` (a documented template), `None`
    /// for an operation the document does not have; 400 naming an unknown parameter.
    fn canonical(
        &self,
        method: &Method,
        path: &str,
        query: &str,
    ) -> Result<Option<String>, ApiError> {
        // A `/v1` route may be seen from inside the nested router, without its prefix.
        let op = self
            .operations
            .get(&(method.clone(), path.to_string()))
            .or_else(|| self.operations.get(&(method.clone(), format!("/v1{path}"))));
        let Some(op) = op else { return Ok(None) };
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            if !op.known.contains(name.as_ref()) {
                return Err(ApiError::bad(name, "unknown query parameter"));
            }
            let value = match value.parse::<u64>() {
                Ok(n) if op.integers.contains(name.as_ref()) => n.to_string(),
                _ => value.into_owned(),
            };
            pairs.push((name.into_owned(), value));
        }
        // Stable: a repeated parameter keeps its order (and its 400 from the handler).
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Some(url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()))
    }
}

/// Whether a parameter's schema is an integer (`"type": "integer"` or `["integer", "null"]`).
fn is_integer(schema: &utoipa::openapi::RefOr<utoipa::openapi::Schema>) -> bool {
    let Ok(value) = serde_json::to_value(schema) else { return false };
    match &value["type"] {
        serde_json::Value::String(t) => t == "integer",
        serde_json::Value::Array(ts) => ts.iter().any(|t| t == "integer"),
        _ => false,
    }
}

/// The middleware: refuses unknown parameters and rewrites the query in canonical form.
pub(crate) async fn middleware(
    State(rules): State<Arc<Rules>>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(query) = req.uri().query() else { return next.run(req).await };
    let Some(path) = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()) else {
        return next.run(req).await;
    };
    match rules.canonical(req.method(), &path, query) {
        Ok(Some(canonical)) => {
            if let Some(uri) = with_query(req.uri(), &canonical) {
                *req.uri_mut() = uri;
            }
            next.run(req).await
        }
        Ok(None) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// `uri` with `query` (none when empty).
fn with_query(uri: &Uri, query: &str) -> Option<Uri> {
    let path = uri.path();
    let pq = if query.is_empty() { path.to_string() } else { format!("{path}?{query}") };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(pq).ok()?);
    Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules::new(&crate::router::document(), &["/health"])
    }

    #[test]
    fn unknown_parameters_are_refused_naming_them() {
        let r = rules();
        let get = |path: &str, q: &str| r.canonical(&Method::GET, path, q);
        match get("/v1/orders", "limit=5&nonsense=1") {
            Err(ApiError::BadRequest { field, .. }) => {
                assert_eq!(field.as_deref(), Some("nonsense"))
            }
            other => panic!("{other:?}"),
        }
        assert!(get("/v1/orders", "limit=5").is_ok());
        assert!(get("/health", "x=1").is_err(), "a path without parameters");
        assert_eq!(get("/v1/not-an-operation", "x=1").unwrap(), None);
    }

    #[test]
    fn queries_are_canonical() {
        let r = rules();
        let qr = |q: &str| r.canonical(&Method::GET, "/v1/qr/{chain_id}/{order_id}", q).unwrap();
        let one = qr("size=300&margin=2").unwrap();
        assert_eq!(one, "margin=2&size=300");
        assert_eq!(qr("size=0300&margin=02").unwrap(), one);
        assert_eq!(qr("margin=2&size=%33%30%30").unwrap(), one);
        // Strings keep their text; numbers that do not parse are the handler's 400.
        assert_eq!(qr("format=svg&size=x").unwrap(), "format=svg&size=x");
        assert_eq!(qr("").unwrap(), "");
    }
}
