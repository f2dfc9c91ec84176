//! One type over local folders and buckets, for creating jobs and for the workers.

use std::path::PathBuf;
use std::sync::Arc;

use crate::s3::{S3Client, S3Settings};
use crate::spec::{absolute, within, Sink, Source, SourceSpec};
use crate::{local, BatchError};

/// Where a job's items are read from, or its results written to.
#[derive(Clone)]
pub enum Storage {
    Local(PathBuf),
    S3(Arc<S3Client>),
}

/// Which local folders a job may read or write. The admin API is limited to the configured roots
/// (an admin token must not turn into reading any file the service can read); the command line
/// acts for the local user and may use any folder.
#[derive(Debug, Clone, Copy)]
pub enum LocalAccess<'a> {
    Any,
    Within(&'a [PathBuf]),
}

impl LocalAccess<'_> {
    fn check(&self, path: &std::path::Path) -> Result<PathBuf, BatchError> {
        let abs = absolute(path)?;
        match self {
            LocalAccess::Any => Ok(abs),
            LocalAccess::Within(roots) => {
                let roots: Vec<PathBuf> = roots.iter().map(|r| absolute(r)).collect::<Result<_, _>>()?;
                if within(&abs, &roots) {
                    Ok(abs)
                } else {
                    Err(BatchError::Invalid(
                        "local folders of batch jobs must lie under one of the configured \
                         batch_local_roots"
                            .into(),
                    ))
                }
            }
        }
    }
}

/// Lists a requested source: the stored source (its root) and the inputs relative to it.
pub async fn resolve_source(
    spec: &SourceSpec,
    s3: &S3Settings,
    access: LocalAccess<'_>,
    max: usize,
) -> Result<(Source, Vec<String>), BatchError> {
    match spec {
        SourceSpec::Folder(dir) => {
            let root = access.check(dir)?;
            let r = root.clone();
            let names = tokio::task::spawn_blocking(move || local::list_folder(&r, max))
                .await
                .map_err(|e| BatchError::Invalid(format!("listing task: {e}")))??;
            if names.is_empty() {
                return Err(BatchError::Invalid(
                    "the input folder holds no image or PDF files".into(),
                ));
            }
            Ok((Source::Local(root), names))
        }
        SourceSpec::Files(files) => {
            for f in files {
                access.check(f)?;
            }
            let files = files.clone();
            let (root, names) = tokio::task::spawn_blocking(move || local::resolve_files(&files, max))
                .await
                .map_err(|e| BatchError::Invalid(format!("listing task: {e}")))??;
            Ok((Source::Local(root), names))
        }
        SourceSpec::S3(loc) => {
            let client = S3Client::new(loc, s3)?;
            let names = client.list_inputs(max).await?;
            if names.is_empty() {
                return Err(BatchError::Invalid(
                    "the bucket prefix holds no image or PDF objects".into(),
                ));
            }
            Ok((Source::S3(loc.clone()), names))
        }
    }
}

/// Checks a requested sink and makes a local folder absolute.
pub fn check_sink(sink: &Sink, access: LocalAccess<'_>) -> Result<Sink, BatchError> {
    match sink {
        Sink::Folder(dir) => Ok(Sink::Folder(access.check(dir)?)),
        Sink::S3(loc) => {
            loc.validate()?;
            Ok(sink.clone())
        }
    }
}

impl Storage {
    pub fn of_source(source: &Source, s3: &S3Settings) -> Result<Storage, BatchError> {
        Ok(match source {
            Source::Local(root) => Storage::Local(root.clone()),
            Source::S3(loc) => Storage::S3(Arc::new(S3Client::new(loc, s3)?)),
        })
    }

    pub fn of_sink(sink: &Sink, s3: &S3Settings) -> Result<Storage, BatchError> {
        Ok(match sink {
            Sink::Folder(root) => Storage::Local(root.clone()),
            Sink::S3(loc) => Storage::S3(Arc::new(S3Client::new(loc, s3)?)),
        })
    }

    /// Reads the input `rel`, at most `limit` bytes.
    pub async fn read(&self, rel: &str, limit: u64) -> Result<Vec<u8>, BatchError> {
        match self {
            Storage::Local(root) => {
                let (root, rel) = (root.clone(), rel.to_string());
                tokio::task::spawn_blocking(move || local::read(&root, &rel, limit))
                    .await
                    .map_err(|e| BatchError::Invalid(format!("read task: {e}")))?
            }
            Storage::S3(c) => c.get(rel, limit).await,
        }
    }

    /// Writes `rel` whole (replacing what was there).
    pub async fn write(&self, rel: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), BatchError> {
        match self {
            Storage::Local(root) => {
                let (root, rel) = (root.clone(), rel.to_string());
                tokio::task::spawn_blocking(move || local::write(&root, &rel, &bytes))
                    .await
                    .map_err(|e| BatchError::Invalid(format!("write task: {e}")))?
            }
            Storage::S3(c) => c.put(rel, bytes, content_type).await,
        }
    }
}
