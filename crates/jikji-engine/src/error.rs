//! Why the engine could not produce a result.

use std::path::PathBuf;

use jikji_runtime::RuntimeError;

/// Why the engine could not produce a result.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A model file (or the ONNX Runtime library) is missing: the message names the setup command.
    #[error("model file {path} is missing: run `scripts/setup-models.sh` (or point JIKJI_MODELS / --models at a model directory)")]
    ModelMissing { path: PathBuf },
    /// ONNX Runtime failed to load or run a model.
    #[error("inference failed: {0}")]
    Runtime(String),
    /// The caller's [`Cancel`](jikji_types::Cancel) token fired (cancelled, or its deadline passed); the
    /// worker stopped between stages and is free again.
    #[error("stopped: {0:?}")]
    Stopped(jikji_types::Stopped),
}

impl From<jikji_types::Stopped> for EngineError {
    fn from(s: jikji_types::Stopped) -> Self {
        EngineError::Stopped(s)
    }
}

impl From<RuntimeError> for EngineError {
    fn from(e: RuntimeError) -> Self {
        match e {
            RuntimeError::Missing(path) => EngineError::ModelMissing { path },
            other => EngineError::Runtime(other.to_string()),
        }
    }
}
