//! With the real models: `--device cuda` on a machine without a usable GPU falls back to the CPU and says
//! why, and the stage profile adds up (model time inside each stage, the cascade's passes counted).
//! Its own test binary, so the process's ONNX Runtime library is chosen by this test's first engine.

use std::path::{Path, PathBuf};

use jikji_engine::{Device, Engine, EngineConfig, Lang, OcrOptions};

fn receipt() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/sroie/images/000.jpg")
}

#[test]
fn cuda_without_a_usable_gpu_runs_on_the_cpu_and_the_profile_adds_up() {
    let dir = jikji_runtime::resolve_models_dir(None);
    let gpu_installed = dir.join(jikji_runtime::GPU_ORT_LIBRARY).is_file();
    let engine = Engine::new(EngineConfig {
        device: Device::Cuda(0),
        ..EngineConfig::new(&dir)
    })
    .expect("models installed by scripts/setup-models.sh");
    if !gpu_installed {
        assert_eq!(engine.device(), Device::Cpu);
        let why = jikji_runtime::cuda_fallback().expect("the fallback says why");
        assert!(why.contains("setup-models.sh --gpu"), "{why}");
    } else if engine.device() == Device::Cpu {
        // The GPU runtime is installed but no GPU is usable here: the reason is still given.
        assert!(jikji_runtime::cuda_fallback().is_some());
    }

    let pages = jikji_image::decode_file(&receipt(), &jikji_image::Limits::default()).unwrap();
    let (r, t) = engine
        .recognize_timed(
            &pages[0].image,
            &OcrOptions {
                langs: vec![Lang::En],
            },
        )
        .unwrap();
    let text = r.text().to_uppercase();
    assert!(text.contains("TOTAL"), "{text}");

    // Each stage's parts fit inside it, and the models ran.
    let parts = t.detect_pre_ms + t.detect_model_ms + t.detect_post_ms;
    assert!(t.detect_model_ms > 0.0 && parts <= t.detect_ms + 1.0, "{t:?}");
    assert!(t.crop_ms <= t.classify_ms && t.classify_model_ms > 0.0, "{t:?}");
    let p = &t.passes;
    assert!(p.latin_fast.lines as usize >= r.lines.len() / 2, "{p:?}");
    assert!(p.latin_fast.model_ms > 0.0 && p.latin_fast.model_ms <= p.latin_fast.ms);
    assert_eq!(p.korean.lines, 0, "no Korean pass with `en`");
    let passes: f64 = p.all().iter().map(|(_, x)| x.ms).sum();
    assert!(passes <= t.recognize_ms + 1.0, "{passes} > {}", t.recognize_ms);
    assert!(t.model_ms() <= t.total_ms());
}
