//! Batch jobs: what a job reads and where it writes.
//!
//! - [`spec`]: the job's source (a local folder, a list of files, an S3 bucket prefix), its sink (a
//!   folder or a bucket prefix) and options, as stored (JSON, never credentials) in the job row;
//!   which files count as inputs; the deterministic name of each input's result;
//! - [`local`] and [`s3`]: listing, reading (bounded) and writing (atomic, idempotent overwrite);
//! - [`storage`]: one type over both, for the workers;
//! - [`summary`]: the job summary (CSV and JSON: file, status, pages, seconds, error code and message).
//!
//! The queue itself (claiming, leases) lives in `jikji-store` (`batch.rs`); the workers that run a
//! domain's operation on each input live in `jikji-server` (`batch.rs`), so that every result is the
//! same JSON the online API returns.

pub mod local;
pub mod s3;
pub mod spec;
pub mod storage;
pub mod summary;
#[cfg(feature = "testing")]
pub mod testing;

pub use s3::{S3Credentials, S3Settings};
pub use spec::{JobOptions, S3Location, Sink, Source, SourceSpec};
pub use storage::{check_sink, resolve_source, LocalAccess, Storage};

/// Errors of listing, reading and writing.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The job's description is not usable (empty folder, bad bucket name, path outside the
    /// allowed roots…).
    #[error("{0}")]
    Invalid(String),
    /// An input is larger than the image limit.
    #[error("input is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: u64, limit: u64 },
    /// A local file operation failed; `what` names the operation, never the path (paths may
    /// carry personal names).
    #[error("{what}: {source}")]
    Io {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// The object store answered with an error or could not be reached.
    #[error("object storage: {0}")]
    S3(String),
}

impl BatchError {
    pub(crate) fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> BatchError {
        move |source| BatchError::Io { what, source }
    }
}
