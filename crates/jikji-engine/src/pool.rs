//! The worker pool: [`Engine`] queues each page for the next free worker thread and waits for its
//! answer. A worker owns its models; a job whose caller gave up while it waited is not started.

use std::sync::Arc;

use image::RgbImage;
use jikji_types::Cancel;

use crate::lend::{Lending, Spare};
use crate::model::{load_detector, load_orientation, Models, Recognizers};
use crate::page::{read_page, read_regions, RegionText};
use jikji_geometry::Quad;
use crate::profile::StageTimes;
use crate::{EngineConfig, EngineError, OcrOptions, PageResult};

/// Work handed to a worker thread, with the channel its result goes back on.
struct Job {
    image: Arc<RgbImage>,
    opts: OcrOptions,
    cancel: Cancel,
    task: Task,
}

enum Task {
    /// The whole page pipeline.
    Page(crossbeam_channel::Sender<Result<(PageResult, StageTimes), EngineError>>),
    /// Given regions of the page read as lines ([`Engine::read_regions`]).
    Regions(Vec<Quad>, crossbeam_channel::Sender<Result<Vec<RegionText>, EngineError>>),
}

/// The OCR engine (see the crate docs).
///
/// Each worker lives on its own long-lived thread with its own model sessions; calls from any thread
/// (CLI loop, a web server's blocking pool) queue a [`Job`] and wait for the answer. Running the models on
/// the same warm threads every time keeps the cost of a call the same whoever makes it: measured through
/// the HTTP service, pages had run 9–20 % slower on the server's changing blocking threads than in a bare
/// loop.
pub struct Engine {
    config: EngineConfig,
    jobs: crossbeam_channel::Sender<Job>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.config)
            .finish()
    }
}

impl Engine {
    /// Loads every model once per worker and starts the worker threads.
    pub fn new(config: EngineConfig) -> Result<Engine, EngineError> {
        let lm = Models::korean_lm(&config.models_dir, &config)?;
        let mut models = (0..config.workers.max(1))
            .map(|_| Models::load(&config.models_dir, &config, lm.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let (cores, threads) = (config.core_budget(), config.threads_per_worker.max(1));
        if config.device == crate::Device::Cpu && cores > threads {
            let spare = Spare {
                detector: load_detector(
                    &config.models_dir,
                    &config,
                    jikji_runtime::Exec::from(threads + 1),
                )?,
                orientation: load_orientation(&config.models_dir, jikji_runtime::Exec::from(threads))?,
                recognizers: Recognizers::load(
                    &config.models_dir,
                    &config,
                    jikji_runtime::Exec::from(threads),
                    lm,
                )?,
            };
            let lending = Arc::new(Lending::new(spare, cores, threads));
            for m in &mut models {
                m.lending = Some(lending.clone());
            }
        }
        Engine::start(config, models)
    }

    /// Starts one worker thread per entry of `models` (ONNX Runtime sessions, or stub models in tests).
    pub(crate) fn start(config: EngineConfig, models: Vec<Models>) -> Result<Engine, EngineError> {
        let (tx, rx) = crossbeam_channel::unbounded();
        for (n, m) in models.into_iter().enumerate() {
            start_worker(n, m, rx.clone())?;
        }
        Ok(Engine { config, jobs: tx })
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The device the models run on: the configured one, or the CPU when a CUDA device could not be
    /// used (`jikji_runtime::cuda_fallback` says why).
    pub fn device(&self) -> crate::Device {
        match self.config.device {
            d if d.is_cuda() && jikji_runtime::cuda_fallback().is_none() => d,
            _ => crate::Device::Cpu,
        }
    }

    /// Number of workers (concurrent calls served without waiting).
    pub fn workers(&self) -> usize {
        self.config.workers.max(1)
    }

    /// Runs the whole pipeline over one page image. Blocking (waits for a free worker); call it from a
    /// blocking thread in async code. The image is copied once for the worker thread; callers that own
    /// the page should use [`Engine::recognize_shared`], which does not copy it (a 600 dpi A4 scan is
    /// 100 MB of pixels).
    pub fn recognize(
        &self,
        image: &RgbImage,
        opts: &OcrOptions,
    ) -> Result<PageResult, EngineError> {
        self.recognize_timed(image, opts).map(|(r, _)| r)
    }

    /// [`Engine::recognize`] plus the time spent in each stage.
    pub fn recognize_timed(
        &self,
        image: &RgbImage,
        opts: &OcrOptions,
    ) -> Result<(PageResult, StageTimes), EngineError> {
        self.recognize_shared(Arc::new(image.clone()), opts, &Cancel::new())
    }

    /// Runs the pipeline over a shared page image without copying it, and returns the result with the
    /// time spent in each stage. Blocking, like [`Engine::recognize`]. The worker checks `cancel`
    /// before it starts and between stages, and answers [`EngineError::Stopped`] when it fired.
    pub fn recognize_shared(
        &self,
        image: Arc<RgbImage>,
        opts: &OcrOptions,
        cancel: &Cancel,
    ) -> Result<(PageResult, StageTimes), EngineError> {
        self.ask(image, opts, cancel, Task::Page)
    }

    /// Reads each of `quads` (pixels of `image`; TL→TR the reading direction) as one line of text,
    /// without detection: the regions of a template's fields mapped into a page, read again where the
    /// page's words do not fit them. Blocking, like [`Engine::recognize`].
    pub fn read_regions(
        &self,
        image: Arc<RgbImage>,
        quads: Vec<Quad>,
        opts: &OcrOptions,
        cancel: &Cancel,
    ) -> Result<Vec<RegionText>, EngineError> {
        if quads.is_empty() {
            return Ok(Vec::new());
        }
        self.ask(image, opts, cancel, |reply| Task::Regions(quads, reply))
    }

    /// Queues a job of kind `task` (given the channel its answer comes back on) and waits for that
    /// answer: the one way every blocking call reaches a worker.
    fn ask<T>(
        &self,
        image: Arc<RgbImage>,
        opts: &OcrOptions,
        cancel: &Cancel,
        task: impl FnOnce(crossbeam_channel::Sender<Result<T, EngineError>>) -> Task,
    ) -> Result<T, EngineError> {
        let (reply, answer) = crossbeam_channel::bounded(1);
        self.jobs
            .send(Job {
                image,
                opts: opts.clone(),
                cancel: cancel.clone(),
                task: task(reply),
            })
            .map_err(|_| EngineError::Runtime("the OCR workers have stopped".into()))?;
        answer
            .recv()
            .map_err(|_| EngineError::Runtime("an OCR worker stopped".into()))?
    }
}

/// Starts worker thread `n`: it runs the jobs of `jobs` on `models` until the engine (the only sender)
/// is dropped.
fn start_worker(
    n: usize,
    mut models: Models,
    jobs: crossbeam_channel::Receiver<Job>,
) -> Result<(), EngineError> {
    std::thread::Builder::new()
        .name(format!("jikji-ocr-{n}"))
        .spawn(move || {
            let lending = models.lending.clone();
            for job in jobs {
                // Busy from taking the job to sending its answer: the spare is lent only while
                // the busy workers leave a core idle.
                let _busy = lending.as_deref().map(Lending::busy);
                let Job {
                    image,
                    opts,
                    cancel,
                    task,
                } = job;
                let models = &mut models;
                match task {
                    Task::Page(reply) => {
                        let result = guarded(move || {
                            // A job whose caller gave up while it waited is not started.
                            cancel.check()?;
                            read_page(models, image, &opts, &cancel)
                        });
                        // The worker's reference to the page went with the closure, before the
                        // answer, so a caller that holds the other one can take the page back
                        // uncopied.
                        release_free_memory();
                        let _ = reply.send(result);
                    }
                    Task::Regions(quads, reply) => {
                        let result = guarded(move || {
                            cancel.check()?;
                            read_regions(models, &image, &quads, &opts, &cancel)
                        });
                        let _ = reply.send(result);
                    }
                }
            }
        })
        .map_err(|e| EngineError::Runtime(format!("cannot start a worker thread: {e}")))?;
    Ok(())
}

/// Runs `f`, turning a panic into an error (the worker lives on for the next job).
fn guarded<T>(f: impl FnOnce() -> Result<T, EngineError>) -> Result<T, EngineError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(EngineError::Runtime("the OCR pipeline panicked".into())))
}

/// Hands freed heap pages back to the OS after a page. ONNX Runtime runs without an arena (input shapes
/// change with every page), so each page allocates and frees large activation buffers; glibc keeps them,
/// and over a batch of large scans the process grew from 750 to 900 MB peak RSS without this.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases unused memory at the top of glibc's heaps; no pointers change.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stub::*;
    use jikji_types::{Reader, Stopped};
    use std::sync::Mutex;

    fn engine(page: &Page, korean: &StubRecognizer, detector_calls: Arc<Mutex<usize>>) -> Engine {
        let mut m = models(page, korean, &StubRecognizer::default(), None);
        m.detector = Box::new(StubDetector {
            boxes: page.boxes.clone(),
            cancel_when_called: None,
            calls: detector_calls,
        });
        Engine::start(EngineConfig::new("no-models"), vec![m]).unwrap()
    }

    #[test]
    fn a_job_whose_caller_gave_up_is_not_started() {
        let page = Page::new().line(0, 3, &[(Some(RED), 3)]);
        let korean = StubRecognizer::new(&[(&[RED], "가나다", 0.97)]);
        let calls = Arc::new(Mutex::new(0));
        let e = engine(&page, &korean, calls.clone());
        let cancel = Cancel::new();
        cancel.cancel();
        let r = e.recognize_shared(Arc::new(page.image.clone()), &OcrOptions::default(), &cancel);
        assert!(matches!(r, Err(EngineError::Stopped(Stopped::Cancelled))));
        assert_eq!(*calls.lock().unwrap(), 0, "detection never ran");
        // The worker is free for the next page, and the pass comes back with the result.
        let r = e.recognize(&page.image, &OcrOptions::default()).unwrap();
        assert_eq!(r.text(), "가나다");
        assert_eq!(r.lines[0].pass.map(|p| p.reader), Some(Reader::Korean));
        assert_eq!(*calls.lock().unwrap(), 1);
    }

    #[test]
    fn regions_are_read_as_lines_without_detection() {
        let page = Page::new()
            .line(0, 3, &[(Some(RED), 3)])
            .line(1, 4, &[(Some(GREEN), 2), (Some(BLUE), 2)]);
        let korean = StubRecognizer::new(&[(&[RED], "가나다", 0.97), (&[BLUE], "12", 0.9)]);
        let calls = Arc::new(Mutex::new(0));
        let e = engine(&page, &korean, calls.clone());
        let b = page.boxes[1];
        // The right half of the second line: only its blue run.
        let right = jikji_geometry::Rect::new(b.x0 + 2.0 * LINE_H as f32, b.y0, b.x1, b.y1).to_quad();
        let empty = jikji_geometry::Rect::new(20.0, 500.0, 200.0, 540.0).to_quad();
        let got = e
            .read_regions(
                Arc::new(page.image.clone()),
                vec![page.boxes[0].to_quad(), right, empty],
                &OcrOptions::default(),
                &Cancel::new(),
            )
            .unwrap();
        let texts: Vec<&str> = got.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["가나다", "12", ""]);
        assert!((got[0].confidence - 0.97).abs() < 1e-6);
        assert_eq!(got[2].confidence, 0.0);
        assert_eq!(*calls.lock().unwrap(), 0, "no detection ran");
        // No regions: no job.
        assert!(e.read_regions(Arc::new(page.image.clone()), vec![], &OcrOptions::default(), &Cancel::new()).unwrap().is_empty());
    }
}
