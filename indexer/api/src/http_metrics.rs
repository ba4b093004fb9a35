//! Per-route request counts and latency histograms for `/metrics`:
//! `cointent_http_requests_total{route,method,status}` (status by class: `2xx`, `4xx`, …)
//! and `cointent_http_request_duration_seconds{route,method}`. Routes are the router's
//! templates (`/v1/orders/{chain_id}/{order_id}`), never raw paths, so the series stay few.

use std::{
    collections::HashMap,
    fmt::Write,
    sync::{Arc, RwLock},
    time::Instant,
};

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::Response,
};
use cointent_ingest::metrics::{Counter, Histogram};

use crate::state::AppState;

/// One route and method's figures.
#[derive(Debug, Default)]
struct RouteFigures {
    /// Responses by status class (index 1 = `1xx` … 5 = `5xx`).
    by_class: [Counter; 6],
    duration: Histogram,
}

/// The methods counted apart (others count as `OTHER`).
const METHODS: [&str; 6] = ["GET", "POST", "PUT", "DELETE", "HEAD", "OTHER"];

/// Every route's figures, by route template and then method (found without allocating).
#[derive(Debug, Default)]
pub struct HttpMetrics {
    routes: RwLock<HashMap<String, Arc<[RouteFigures; METHODS.len()]>>>,
}

impl HttpMetrics {
    fn figures(&self, route: &str) -> Arc<[RouteFigures; METHODS.len()]> {
        if let Some(f) = self.routes.read().unwrap_or_else(|e| e.into_inner()).get(route) {
            return f.clone();
        }
        let mut routes = self.routes.write().unwrap_or_else(|e| e.into_inner());
        routes.entry(route.to_string()).or_default().clone()
    }

    /// Records one response.
    pub fn record(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let m = METHODS.iter().position(|x| *x == method).unwrap_or(METHODS.len() - 1);
        let f = &self.figures(route)[m];
        f.by_class[usize::from(status / 100).min(5)].inc();
        f.duration.observe(seconds);
    }

    /// Every route and method that answered, in order.
    fn answered(&self) -> Vec<(String, &'static str, Arc<[RouteFigures; METHODS.len()]>, usize)> {
        let routes = self.routes.read().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<_> = routes
            .iter()
            .flat_map(|(route, f)| {
                (0..METHODS.len())
                    .filter(|m| f[*m].duration.count() > 0)
                    .map(|m| (route.clone(), METHODS[m], f.clone(), m))
                    .collect::<Vec<_>>()
            })
            .collect();
        out.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        out
    }

    /// The Prometheus text of every route's figures.
    pub fn render(&self) -> String {
        let routes = self.answered();
        let mut out = String::from(
            "# HELP cointent_http_requests_total HTTP responses by route, method and status class.\n\
             # TYPE cointent_http_requests_total counter\n",
        );
        for (route, method, f, m) in &routes {
            for (class, n) in f[*m].by_class.iter().enumerate().skip(1) {
                let n = n.get();
                if n > 0 {
                    let _ = writeln!(
                        out,
                        "cointent_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{class}xx\"}} {n}"
                    );
                }
            }
        }
        out.push_str(
            "# HELP cointent_http_request_duration_seconds Time to answer, by route and method.\n\
             # TYPE cointent_http_request_duration_seconds histogram\n",
        );
        for (route, method, f, m) in &routes {
            let labels = format!("route=\"{route}\",method=\"{method}\"");
            f[*m].duration.render(&mut out, "cointent_http_request_duration_seconds", &labels);
        }
        out
    }
}

/// The middleware (a route layer: it runs once the router has matched the route).
pub async fn middleware(State(s): State<AppState>, req: Request, next: Next) -> Response {
    // The route template is shared (an Arc'd string): cloning it allocates nothing.
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let started = Instant::now();
    let response = next.run(req).await;
    let seconds = started.elapsed().as_secs_f64();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    s.http_metrics.record(route, method.as_str(), response.status().as_u16(), seconds);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_route_and_class_with_a_histogram() {
        let m = HttpMetrics::default();
        m.record("/v1/orders", "GET", 200, 0.002);
        m.record("/v1/orders", "GET", 404, 0.0004);
        m.record("/v1/orders", "GET", 200, 0.3);
        let text = m.render();
        let line = |s: &str| text.lines().any(|l| l == s);
        assert!(
            line(
                "cointent_http_requests_total{route=\"/v1/orders\",method=\"GET\",status=\"2xx\"} 2"
            ),
            "{text}"
        );
        assert!(line(
            "cointent_http_requests_total{route=\"/v1/orders\",method=\"GET\",status=\"4xx\"} 1"
        ));
        let bucket = "cointent_http_request_duration_seconds_bucket{route=\"/v1/orders\",method=\"GET\",le=\"0.0025\"} 2";
        assert!(line(bucket), "{text}");
        assert!(line(
            "cointent_http_request_duration_seconds_count{route=\"/v1/orders\",method=\"GET\"} 3"
        ));
    }
}
