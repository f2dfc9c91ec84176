//! Where sessions run: the CPU (the default, the library of the `onnxruntime` wheel) or an NVIDIA GPU
//! through ONNX Runtime's CUDA execution provider.
//!
//! The CUDA path needs the GPU build of ONNX Runtime and the CUDA/cuDNN libraries it was built
//! against, all from pinned PyPI wheels that `scripts/setup-models.sh --gpu` unpacks into
//! `<models>/onnxruntime-gpu/` (they are 2–3 GB, so the CPU setup and CI never fetch them). The GPU
//! library is loaded instead of the CPU one when the first session of the process asks for CUDA; it runs
//! CPU sessions as well.
//!
//! A GPU that cannot be used — the GPU runtime not installed, no driver, no device, a CUDA error at
//! session creation — is not an error: the model runs on the CPU, and [`cuda_fallback`] says why (once
//! logged as a warning; the CLI prints it). Later models of the process go straight to the CPU.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::ep::ExecutionProvider;
use ort::session::{builder::GraphOptimizationLevel, Session};

/// Where the GPU setup puts its libraries, inside the model directory.
pub const GPU_DIR: &str = "onnxruntime-gpu";
/// The GPU build of ONNX Runtime (`onnxruntime-gpu==1.31.1`, CUDA 13, cuDNN 9).
pub const GPU_ORT_LIBRARY: &str = "onnxruntime-gpu/libonnxruntime.so.1.31.1";
/// Loaded before the CUDA provider's own list (`ort::ep::cuda::CUDA_DYLIBS`): cuFFT needs it, and the
/// flat directory the setup makes does not match the wheel layout its run path points at.
const NVJITLINK: &str = "libnvJitLink.so.13";

/// A device sessions run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Device {
    #[default]
    Cpu,
    /// CUDA device number (`cuda` = `cuda:0`).
    Cuda(u32),
}

impl Device {
    pub fn is_cuda(self) -> bool {
        matches!(self, Device::Cuda(_))
    }
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Device::Cpu => f.write_str("cpu"),
            Device::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

impl std::str::FromStr for Device {
    type Err = String;

    /// `cpu`, `cuda` or `cuda:N`.
    fn from_str(s: &str) -> Result<Device, String> {
        let bad = || format!("unknown device `{s}`: expected `cpu`, `cuda` or `cuda:N`");
        match s.trim().to_ascii_lowercase().as_str() {
            "cpu" => Ok(Device::Cpu),
            "cuda" | "gpu" => Ok(Device::Cuda(0)),
            other => other
                .strip_prefix("cuda:")
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|&n| n < 64)
                .map(Device::Cuda)
                .ok_or_else(bad),
        }
    }
}

/// How a session runs: its intra-op threads (CPU work) and its device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exec {
    pub threads: usize,
    pub device: Device,
}

impl From<usize> for Exec {
    /// `threads` intra-op threads on the CPU.
    fn from(threads: usize) -> Exec {
        Exec {
            threads: threads.max(1),
            device: Device::Cpu,
        }
    }
}

/// Why CUDA sessions fell back to the CPU in this process (`None`: they did not, or none was asked
/// for).
pub fn cuda_fallback() -> Option<&'static str> {
    FALLBACK.get().map(String::as_str)
}

static FALLBACK: OnceLock<String> = OnceLock::new();
static PRELOADED: OnceLock<Result<(), String>> = OnceLock::new();

/// The GPU library of `models_dir`, when the GPU setup installed it.
pub(crate) fn gpu_library(models_dir: &Path) -> Option<PathBuf> {
    Some(models_dir.join(GPU_ORT_LIBRARY)).filter(|p| p.is_file())
}

/// Records (once) and logs why `device` is not used.
pub(crate) fn warn_fallback(device: Device, reason: &str) {
    if FALLBACK.set(reason.to_string()).is_ok() {
        tracing::warn!(%device, reason, "the GPU is not usable; running on the CPU");
    }
}

/// A session of `path` on CUDA device `device`, or why there can be none.
pub(crate) fn cuda_session(
    env: &ort::environment::Environment,
    models_dir: &Path,
    path: &Path,
    device: Device,
) -> Result<Session, String> {
    let Device::Cuda(n) = device else {
        return Err("not a CUDA device".into());
    };
    if let Some(reason) = cuda_fallback() {
        return Err(reason.to_string());
    }
    let gpu_dir = models_dir.join(GPU_DIR);
    if gpu_library(models_dir).is_none() && std::env::var_os("ORT_DYLIB_PATH").is_none() {
        return Err(format!(
            "the GPU runtime is not installed ({} is missing): run `scripts/setup-models.sh --gpu`",
            models_dir.join(GPU_ORT_LIBRARY).display()
        ));
    }
    if !ort::ep::CUDA::is_available().unwrap_or(false) {
        return Err("the ONNX Runtime library loaded in this process has no CUDA provider (a CPU \
                    session was created first, or ORT_DYLIB_PATH names a CPU build)"
            .into());
    }
    PRELOADED
        .get_or_init(|| preload(&gpu_dir))
        .clone()
        .map_err(|e| format!("cannot load the CUDA libraries from {}: {e}", gpu_dir.display()))?;
    let ep = ort::ep::CUDA::default()
        .with_device_id(n as i32)
        .build()
        .error_on_failure();
    let build = || -> ort::Result<Session> {
        Ok(Session::builder(env)?
            .with_optimization_level(GraphOptimizationLevel::Level3)?
            .with_execution_providers([ep])?
            .commit_from_file(path)?)
    };
    build().map_err(|e| format!("CUDA device {n}: {e}"))
}

/// Loads the CUDA and cuDNN libraries the setup unpacked into `dir`, dependencies first, so that the
/// CUDA provider finds them without `LD_LIBRARY_PATH`.
fn preload(dir: &Path) -> Result<(), String> {
    let jit = dir.join(NVJITLINK);
    if jit.is_file() {
        ort::util::preload_dylib(&jit).map_err(|e| format!("{NVJITLINK}: {e}"))?;
    }
    ort::ep::cuda::preload_dylibs(Some(dir), Some(dir)).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_parse_and_print() {
        assert_eq!("cpu".parse::<Device>(), Ok(Device::Cpu));
        assert_eq!("cuda".parse::<Device>(), Ok(Device::Cuda(0)));
        assert_eq!("CUDA:3".parse::<Device>(), Ok(Device::Cuda(3)));
        assert_eq!(Device::Cuda(1).to_string(), "cuda:1");
        for bad in ["cuda:", "cuda:x", "cuda:-1", "tpu", "cuda:99"] {
            let e = bad.parse::<Device>().unwrap_err();
            assert!(e.contains("expected `cpu`, `cuda` or `cuda:N`"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_thread_count_means_the_cpu() {
        assert_eq!(
            Exec::from(0),
            Exec {
                threads: 1,
                device: Device::Cpu
            }
        );
    }
}
