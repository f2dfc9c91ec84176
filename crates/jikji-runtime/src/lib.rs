//! ONNX Runtime for Jikji: loading the shared library, building sessions, finding model files.
//!
//! Why `ort` with `load-dynamic`: the ONNX Runtime library comes from the pinned PyPI `onnxruntime` wheel
//! (installed by `scripts/setup-models.sh` into `<models>/onnxruntime/`), so nothing is downloaded at build
//! or run time, and it runs at the same speed as Python ONNX Runtime (see the notes in the README).
//!
//! Sessions are built with intra-op spinning **off**: with spinning on, two threads on a busy two-core
//! host ran 1.8x slower than one. `Session::run` needs `&mut self`, so each worker owns its own [`Model`]s.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ndarray::{ArrayD, ArrayView4};
use ort::session::{builder::GraphOptimizationLevel, Session};
use ort::value::TensorRef;

/// The ONNX Runtime library file name the setup script installs.
pub const ORT_LIBRARY: &str = "onnxruntime/libonnxruntime.so.1.32.0";

mod device;
pub use device::{cuda_fallback, Device, Exec, GPU_DIR, GPU_ORT_LIBRARY};

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("model file {0} is missing: run `scripts/setup-models.sh` (or point JIKJI_MODELS / --models at a model directory)")]
    Missing(PathBuf),
    #[error("cannot load ONNX Runtime from {path}: {detail}")]
    Library { path: PathBuf, detail: String },
    #[error("cannot load model {path}: {detail}")]
    Load { path: PathBuf, detail: String },
    #[error("inference failed in {model}: {detail}")]
    Run { model: String, detail: String },
}

/// Resolves the model directory: an explicit path, else `$JIKJI_MODELS`, else `./models`, else the
/// `models/` folder of the source checkout this binary was built from.
pub fn resolve_models_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("JIKJI_MODELS").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    let local = PathBuf::from("models");
    if local.join(ORT_LIBRARY).exists() {
        return local;
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    if built.join(ORT_LIBRARY).exists() {
        return built;
    }
    local
}

/// A file inside the model directory, or [`RuntimeError::Missing`].
pub fn model_file(models_dir: &Path, rel: &str) -> Result<PathBuf, RuntimeError> {
    let p = models_dir.join(rel);
    if p.is_file() {
        Ok(p)
    } else {
        Err(RuntimeError::Missing(p))
    }
}

static ENV: Mutex<Option<ort::environment::Environment>> = Mutex::new(None);

/// Loads the ONNX Runtime library once per process (`$ORT_DYLIB_PATH` overrides the model directory's
/// copy). A failed load is not remembered, so a later call with a correct directory still works.
pub fn environment(models_dir: &Path) -> Result<ort::environment::Environment, RuntimeError> {
    environment_for(models_dir, Device::Cpu)
}

/// [`environment`] for sessions on `device`: the first call of the process decides which library is
/// loaded. For CUDA that is the GPU build from `scripts/setup-models.sh --gpu` (it runs CPU sessions
/// too), when it is installed; see [`device`] for the fallback.
fn environment_for(
    models_dir: &Path,
    device: Device,
) -> Result<ort::environment::Environment, RuntimeError> {
    let mut slot = ENV.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(env) = slot.as_ref() {
        return Ok(env.clone());
    }
    let gpu = device.is_cuda().then(|| device::gpu_library(models_dir)).flatten();
    let lib = std::env::var_os("ORT_DYLIB_PATH")
        .map(PathBuf::from)
        .or(gpu)
        .unwrap_or_else(|| models_dir.join(ORT_LIBRARY));
    if !lib.is_file() {
        return Err(RuntimeError::Missing(lib));
    }
    let env = ort::init_from(&lib)
        .map_err(|e| RuntimeError::Library {
            path: lib.clone(),
            detail: e.to_string(),
        })?
        .with_name("jikji")
        .with_telemetry(false)
        .build()
        .map_err(|e| RuntimeError::Library {
            path: lib.clone(),
            detail: e.to_string(),
        })?;
    *slot = Some(env.clone());
    Ok(env)
}

thread_local! {
    /// Time this thread has spent inside ONNX Runtime's `run` (see [`model_time`]).
    static MODEL_TIME: Cell<Duration> = const { Cell::new(Duration::ZERO) };
}

/// Total time the calling thread has spent inside model runs ([`Model::run`], [`Model::run_all`]) since
/// it started. A stage's model time is the difference of two readings around it, and the rest of the
/// stage's wall time is its overhead (resizing, normalising, decoding): the profile of `jikji bench
/// --stages`. A run is synchronous on the caller's thread (intra-op threads work inside it), so a
/// thread-local counter sees exactly the runs of the stage that reads it, whatever model trait or stub
/// sits between.
pub fn model_time() -> Duration {
    MODEL_TIME.with(Cell::get)
}

fn count_model_time(since: Instant) {
    MODEL_TIME.with(|t| t.set(t.get() + since.elapsed()));
}

/// One ONNX model with its own session (not shareable across threads at the same time; one per worker).
pub struct Model {
    name: String,
    session: Session,
    run_options: ort::session::RunOptions,
    device: Device,
}

impl Model {
    /// Loads `path` with `exec.threads` intra-op threads (spinning off) on `exec.device` — a thread
    /// count alone means the CPU. A CUDA device that cannot be used falls back to the CPU with one
    /// warning per process (see [`Device`]); [`Model::device`] says where the model runs.
    pub fn load(
        models_dir: &Path,
        path: &Path,
        exec: impl Into<Exec>,
    ) -> Result<Model, RuntimeError> {
        let exec: Exec = exec.into();
        if !path.is_file() {
            return Err(RuntimeError::Missing(path.to_path_buf()));
        }
        let env = environment_for(models_dir, exec.device)?;
        let err = |e: String| RuntimeError::Load {
            path: path.to_path_buf(),
            detail: e,
        };
        let (session, device) = match exec.device {
            Device::Cpu => (Self::cpu_session(&env, path, exec.threads)?, Device::Cpu),
            cuda => match device::cuda_session(&env, models_dir, path, cuda) {
                Ok(s) => (s, cuda),
                Err(reason) => {
                    device::warn_fallback(cuda, &reason);
                    (Self::cpu_session(&env, path, exec.threads)?, Device::Cpu)
                }
            },
        };
        let name = path
            .strip_prefix(models_dir)
            .unwrap_or(path)
            .display()
            .to_string();
        // Hands the arena's free chunks back after every run, so one large page does not keep its
        // activation memory for the rest of the process.
        let mut run_options = ort::session::RunOptions::new().map_err(|e| err(e.to_string()))?;
        if device == Device::Cpu {
            run_options
                .set("memory.enable_memory_arena_shrinkage", "cpu:0")
                .map_err(|e| err(e.to_string()))?;
        }
        Ok(Model {
            name,
            session,
            run_options,
            device,
        })
    }

    /// Where this model's session runs.
    pub fn device(&self) -> Device {
        self.device
    }

    /// A CPU session of `path` (the settings measured for this project's 2-core machines).
    fn cpu_session(
        env: &ort::environment::Environment,
        path: &Path,
        threads: usize,
    ) -> Result<Session, RuntimeError> {
        let err = |e: String| RuntimeError::Load {
            path: path.to_path_buf(),
            detail: e,
        };
        Session::builder(env)
            .map_err(|e| err(e.to_string()))?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| err(e.to_string()))?
            // The CPU arena is on and shrunk after every run (see `run_options`): measured on a SROIE
            // receipt, peak RSS 408 MB with the arena off (glibc keeps the freed activation buffers of
            // every size in its heaps), 347 MB with the arena, 305 MB with the arena shrunk after each
            // run, which was also 13 % faster than no arena. Input shapes change with every page and
            // line batch, so memory patterns (planned per shape) stay off.
            .with_execution_providers([ort::ep::CPU::default().with_arena_allocator(true).build()])
            .map_err(|e| err(e.to_string()))?
            .with_memory_pattern(false)
            .map_err(|e| err(e.to_string()))?
            .with_intra_threads(threads.max(1))
            .map_err(|e| err(e.to_string()))?
            .with_inter_threads(1)
            .map_err(|e| err(e.to_string()))?
            .with_intra_op_spinning(false)
            .map_err(|e| err(e.to_string()))?
            .with_inter_op_spinning(false)
            .map_err(|e| err(e.to_string()))?
            .commit_from_file(path)
            .map_err(|e| err(e.to_string()))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs the model on one NCHW float tensor and returns its first output.
    pub fn run(&mut self, input: ArrayView4<'_, f32>) -> Result<ArrayD<f32>, RuntimeError> {
        let err = |e: String| RuntimeError::Run {
            model: self.name.clone(),
            detail: e,
        };
        let tensor = TensorRef::from_array_view(input).map_err(|e| err(e.to_string()))?;
        let t = Instant::now();
        let outputs = self
            .session
            .run_with_options(ort::inputs![tensor], &self.run_options);
        count_model_time(t);
        let outputs = outputs.map_err(|e| err(e.to_string()))?;
        let out = outputs[0]
            .try_extract_array::<f32>()
            .map_err(|e| err(e.to_string()))?;
        Ok(out.to_owned())
    }

    /// Runs the model on one NCHW float tensor and returns every output, in the model's output order
    /// (the table stage's models have several: SLANet's boxes and tokens, PicoDet's per-stride heads).
    pub fn run_all(&mut self, input: ArrayView4<'_, f32>) -> Result<Vec<ArrayD<f32>>, RuntimeError> {
        let err = |e: String| RuntimeError::Run {
            model: self.name.clone(),
            detail: e,
        };
        let tensor = TensorRef::from_array_view(input).map_err(|e| err(e.to_string()))?;
        let t = Instant::now();
        let outputs = self
            .session
            .run_with_options(ort::inputs![tensor], &self.run_options);
        count_model_time(t);
        let outputs = outputs.map_err(|e| err(e.to_string()))?;
        let mut all = Vec::with_capacity(outputs.len());
        for (_, v) in outputs.iter() {
            let a = v.try_extract_array::<f32>().map_err(|e| err(e.to_string()))?;
            all.push(a.to_owned());
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_model_names_the_setup_command() {
        let e = model_file(Path::new("/nonexistent"), "ppocrv5/det.onnx").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("setup-models.sh"), "{msg}");
        assert!(msg.contains("/nonexistent/ppocrv5/det.onnx"), "{msg}");
    }

    #[test]
    fn explicit_models_dir_wins() {
        assert_eq!(
            resolve_models_dir(Some(Path::new("/x/y"))),
            PathBuf::from("/x/y")
        );
    }
}
