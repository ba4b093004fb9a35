//! Logs and traces: `tracing` to standard error, filtered by `RUST_LOG` (default: info,
//! with sqlx's per-statement lines off); with an OTLP endpoint configured
//! (`[telemetry] otlp_endpoint`, or `OTEL_EXPORTER_OTLP_ENDPOINT`), the spans too,
//! exported over OTLP/HTTP in batches from a thread of their own: HTTP requests (one span
//! each, with the route), the database reads instrumented in `cointent-storage`, and
//! ingestion.

use cointent_config::TelemetryConfig;
use eyre::{Result, WrapErr};
use opentelemetry::{KeyValue, trace::TracerProvider as _};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::{
    Resource,
    trace::{Sampler, SdkTracerProvider},
};
use tracing_subscriber::{
    EnvFilter, Layer, filter::Targets, layer::SubscriberExt, util::SubscriberInitExt,
};

/// Flushes and stops the span export when dropped.
pub(crate) struct Telemetry(Option<SdkTracerProvider>);

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.0.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("warning: the last spans could not be exported: {e}");
        }
    }
}

/// Installs the global subscriber; call once, before any work.
pub(crate) fn init(config: Option<&TelemetryConfig>) -> Result<Telemetry> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let logs = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(filter);
    let Some((config, endpoint)) = config.and_then(|c| Some((c, c.endpoint()?))) else {
        tracing_subscriber::registry().with(logs).init();
        return Ok(Telemetry(None));
    };
    let url = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(&url)
        .build()
        .wrap_err_with(|| format!("OTLP exporter for {url}"))?;
    let resource = Resource::builder()
        .with_service_name(config.service_name.clone())
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build();
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            config.sample_ratio,
        ))))
        .with_resource(resource)
        .build();
    let tracer = provider.tracer("cointent");
    // Our own crates' spans down to debug (one per HTTP request), others' from info.
    let spans = Targets::new()
        .with_target("cointent", tracing::Level::DEBUG)
        .with_default(tracing::Level::INFO);
    let traces = tracing_opentelemetry::layer().with_tracer(tracer).with_filter(spans);
    tracing_subscriber::registry().with(logs).with(traces).init();
    tracing::info!(%url, "exporting traces over OTLP");
    Ok(Telemetry(Some(provider)))
}
