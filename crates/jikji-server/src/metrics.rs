//! Prometheus metrics (`/metrics`).

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// The service's metrics, in their own registry.
pub struct Metrics {
    pub registry: Registry,
    /// `jikji_http_requests_total{route,status,code}`.
    pub requests: IntCounterVec,
    /// `jikji_http_request_duration_seconds{route}`.
    pub latency: HistogramVec,
    /// `jikji_queue_depth`: admitted requests waiting for a worker.
    pub queue_depth: IntGauge,
    /// `jikji_inference_in_flight`: requests being decoded/recognised.
    pub in_flight: IntGauge,
    /// `jikji_inference_seconds{stage}` (`decode`, `recognize`, `tables`).
    pub inference: HistogramVec,
    /// `jikji_shed_total{reason}` (`queue_full`, `rate_limit`, `quota`).
    pub shed: IntCounterVec,
    /// `jikji_admin_auth_failures_total{outcome}` (`unauthorized`: wrong or missing token,
    /// `throttled`: refused unchecked while the client waits). Never labelled by address.
    pub admin_auth_failures: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "jikji_http_requests_total",
                "HTTP requests by route, HTTP status and CLOVA code",
            ),
            &["route", "status", "code"],
        )
        .expect("metric");
        let buckets = vec![
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            60.0,
        ];
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "jikji_http_request_duration_seconds",
                "HTTP request latency by route",
            )
            .buckets(buckets.clone()),
            &["route"],
        )
        .expect("metric");
        let queue_depth = IntGauge::new(
            "jikji_queue_depth",
            "Admitted requests waiting for an inference worker",
        )
        .expect("metric");
        let in_flight = IntGauge::new(
            "jikji_inference_in_flight",
            "Requests being decoded or recognised",
        )
        .expect("metric");
        let inference = HistogramVec::new(
            HistogramOpts::new(
                "jikji_inference_seconds",
                "Time per page spent decoding and recognising",
            )
            .buckets(buckets),
            &["stage"],
        )
        .expect("metric");
        let shed = IntCounterVec::new(
            Opts::new("jikji_shed_total", "Requests refused by admission control"),
            &["reason"],
        )
        .expect("metric");
        let admin_auth_failures = IntCounterVec::new(
            Opts::new(
                "jikji_admin_auth_failures_total",
                "Admin API requests refused for their bearer token",
            ),
            &["outcome"],
        )
        .expect("metric");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(queue_depth.clone()),
            Box::new(in_flight.clone()),
            Box::new(inference.clone()),
            Box::new(shed.clone()),
            Box::new(admin_auth_failures.clone()),
        ] {
            registry.register(c).expect("register metric");
        }
        Metrics {
            registry,
            requests,
            latency,
            queue_depth,
            in_flight,
            inference,
            shed,
            admin_auth_failures,
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
