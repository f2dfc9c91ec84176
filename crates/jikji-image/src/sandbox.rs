//! PDF rendering in a resource-limited child process.
//!
//! hayro (the renderer) inflates streams and images into buffers as large as the file asks for and
//! offers no memory cap; a 3 MB PDF whose content stream inflates to 3 GB of whitespace took a server
//! from 180 MiB to 3.2 GiB, and three at once killed it. The renderer therefore runs in a child process
//! (`<program> render-pdf`, the same binary in a small mode of its own) that limits itself before it
//! reads a byte: its address space to its size at start-up plus [`Limits::pdf_memory`], its CPU time
//! to [`Limits::max_decode_time`]. A bomb then ends the child (allocation failure, CPU limit), never
//! the service, and the parent answers [`InputError::OverBudget`] or [`InputError::Timeout`]. The
//! parent also enforces wall-clock budgets (per page, and for the whole file) and a [`Cancel`] token
//! by killing the child.
//!
//! The protocol is private to this module and both ends are the same binary:
//! * parent → child: the PDF's length (u64 LE) and bytes; then, per page wanted, its index (u32 LE).
//! * child → parent: frames of `kind: u8`, `len: u64 LE`, `len` bytes: `SIZES` (one `(f32, f32)` per
//!   page, in points), `PAGE` (`u32 w`, `u32 h`, `w * h * 3` RGB bytes) or `ERROR` (a UTF-8 message for
//!   the user, from [`InputError`]'s own messages).
//!
//! Every frame's length is checked against what the request's limits allow before it is read.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use image::RgbImage;
use jikji_types::Cancel;

use crate::pdf::InProcessPdf;
use crate::{Format, InputError, Limits};

const SIZES: u8 = 1;
const PAGE: u8 = 2;
const ERROR: u8 = 3;

/// The argument that puts the binary into renderer mode.
pub const RENDER_PDF_ARG: &str = "render-pdf";

/// How often a waiting parent looks at the cancellation token.
const POLL: Duration = Duration::from_millis(25);

/// Largest `SIZES` frame accepted: 8 bytes a page; a million pages is far beyond any page limit.
const MAX_SIZES_FRAME: u64 = 8 << 20;

struct Frame {
    kind: u8,
    data: Vec<u8>,
}

/// The parent's side: one child rendering one document, page by page.
pub(crate) struct SandboxedPdf {
    child: Child,
    stdin: Option<ChildStdin>,
    frames: Receiver<std::io::Result<Frame>>,
    sizes: Vec<(f32, f32)>,
    started: Instant,
}

impl SandboxedPdf {
    /// Starts `program render-pdf`, sends it the document and waits for its page sizes.
    pub(crate) fn open(
        program: &Path,
        bytes: &[u8],
        limits: &Limits,
        cancel: &Cancel,
    ) -> Result<SandboxedPdf, InputError> {
        let mut child = Command::new(program)
            .arg(RENDER_PDF_ARG)
            .arg(limits.pdf_memory.to_string())
            .arg(limits.max_decode_time.as_secs().max(1).to_string())
            .arg(limits.max_pixels.to_string())
            .arg(limits.max_side.to_string())
            .arg(limits.effective_pdf_dpi().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_clear()
            .spawn()
            .map_err(|e| {
                InputError::Io(std::io::Error::new(
                    e.kind(),
                    format!("cannot start the PDF renderer {}: {e}", program.display()),
                ))
            })?;
        let stdout = child.stdout.take().expect("piped");
        let max_page = 8 + limits.max_pixels.saturating_mul(3);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("jikji-pdf-reader".into())
            .spawn(move || {
                let mut out = std::io::BufReader::new(stdout);
                loop {
                    let frame = read_frame(&mut out, max_page.max(MAX_SIZES_FRAME));
                    let end = frame.is_err();
                    if tx.send(frame).is_err() || end {
                        break;
                    }
                }
            })
            .map_err(InputError::Io)?;
        let mut stdin = child.stdin.take().expect("piped");
        let mut me = SandboxedPdf {
            child,
            stdin: None,
            frames: rx,
            sizes: Vec::new(),
            started: Instant::now(),
        };
        // A child that dies early (a limit) closes its end: the error then comes from its exit status.
        let sent = stdin
            .write_all(&(bytes.len() as u64).to_le_bytes())
            .and_then(|_| stdin.write_all(bytes))
            .and_then(|_| stdin.flush());
        me.stdin = Some(stdin);
        if sent.is_err() {
            return Err(me.failure(None));
        }
        let frame = me.receive(limits, cancel)?;
        if frame.kind != SIZES || frame.data.len() % 8 != 0 || frame.data.is_empty() {
            return Err(me.unexpected());
        }
        me.sizes = frame
            .data
            .chunks_exact(8)
            .map(|c| {
                (
                    f32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                    f32::from_le_bytes([c[4], c[5], c[6], c[7]]),
                )
            })
            .collect();
        Ok(me)
    }

    /// Each page's size in points.
    pub(crate) fn sizes(&self) -> &[(f32, f32)] {
        &self.sizes
    }

    /// Renders page `index` in the child.
    pub(crate) fn render(
        &mut self,
        index: usize,
        limits: &Limits,
        cancel: &Cancel,
    ) -> Result<RgbImage, InputError> {
        let sent = match self.stdin.as_mut() {
            Some(s) => s
                .write_all(&(index as u32).to_le_bytes())
                .and_then(|_| s.flush()),
            None => Err(std::io::ErrorKind::BrokenPipe.into()),
        };
        if sent.is_err() {
            return Err(self.failure(None));
        }
        let frame = self.receive(limits, cancel)?;
        if frame.kind != PAGE || frame.data.len() < 8 {
            return Err(self.unexpected());
        }
        let w = u32::from_le_bytes(frame.data[0..4].try_into().expect("4 bytes"));
        let h = u32::from_le_bytes(frame.data[4..8].try_into().expect("4 bytes"));
        limits.check_dimensions(w, h)?;
        let mut data = frame.data;
        data.drain(..8);
        RgbImage::from_raw(w, h, data).ok_or_else(|| self.unexpected())
    }

    /// Waits for the child's next frame under the page budget, the file budget and the token.
    fn receive(&mut self, limits: &Limits, cancel: &Cancel) -> Result<Frame, InputError> {
        let page_end = Instant::now() + limits.max_page_time;
        let file_end = self.started + limits.max_decode_time;
        loop {
            if cancel.check().is_err() {
                self.kill();
                return Err(InputError::Cancelled);
            }
            let now = Instant::now();
            if now >= page_end || now >= file_end {
                self.kill();
                let budget = if page_end <= file_end {
                    limits.max_page_time
                } else {
                    limits.max_decode_time
                };
                return Err(InputError::Timeout {
                    seconds: budget.as_secs(),
                });
            }
            match self.frames.recv_timeout(POLL) {
                Ok(Ok(f)) if f.kind == ERROR => {
                    let msg = String::from_utf8_lossy(&f.data).into_owned();
                    return Err(InputError::corrupt(Format::Pdf, msg));
                }
                Ok(Ok(f)) => return Ok(f),
                Ok(Err(e)) => return Err(self.failure(Some(e))),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Err(self.failure(None)),
            }
        }
    }

    fn unexpected(&mut self) -> InputError {
        self.kill();
        InputError::corrupt(Format::Pdf, "the PDF renderer answered out of turn")
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Why the child stopped talking: its exit status (and what it printed) says which limit it hit.
    fn failure(&mut self, read_error: Option<std::io::Error>) -> InputError {
        let status = wait_briefly(&mut self.child);
        let mut said = Vec::new();
        if let Some(mut err) = self.child.stderr.take() {
            let _ = (&mut err).take(8192).read_to_end(&mut said);
        }
        let said = String::from_utf8_lossy(&said);
        classify_exit(status, &said, read_error)
    }
}

impl Drop for SandboxedPdf {
    fn drop(&mut self) {
        // Closing stdin lets a healthy child exit by itself; kill covers the rest.
        self.stdin = None;
        self.kill();
    }
}

/// The child's exit status, waiting up to a second for it (it has closed its output already).
fn wait_briefly(child: &mut Child) -> Option<ExitStatus> {
    let end = Instant::now() + Duration::from_secs(1);
    loop {
        match child.try_wait() {
            Ok(Some(s)) => return Some(s),
            Ok(None) if Instant::now() < end => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                return child.wait().ok();
            }
        }
    }
}

fn classify_exit(
    status: Option<ExitStatus>,
    stderr: &str,
    read_error: Option<std::io::Error>,
) -> InputError {
    use std::os::unix::process::ExitStatusExt;
    if stderr.contains("memory allocation of") || stderr.contains("capacity overflow") {
        return InputError::OverBudget {
            resource: "memory",
        };
    }
    if stderr.contains("overflowed its stack") {
        return InputError::corrupt(
            Format::Pdf,
            "the PDF nests its drawings too deeply to be rendered",
        );
    }
    match status.and_then(|s| s.signal()) {
        // SIGXCPU: the CPU-time limit.
        Some(24) => InputError::OverBudget {
            resource: "processing time",
        },
        Some(sig) => InputError::corrupt(
            Format::Pdf,
            format!("the PDF renderer stopped on this file (signal {sig})"),
        ),
        None => match read_error {
            Some(e) => InputError::corrupt(
                Format::Pdf,
                format!("the PDF renderer's answer could not be read: {e}"),
            ),
            None => InputError::corrupt(Format::Pdf, "the PDF renderer stopped on this file"),
        },
    }
}

fn read_frame(r: &mut impl Read, max: u64) -> std::io::Result<Frame> {
    let mut head = [0u8; 9];
    r.read_exact(&mut head)?;
    let len = u64::from_le_bytes(head[1..9].try_into().expect("8 bytes"));
    if len > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("frame of {len} bytes over the limit of {max}"),
        ));
    }
    let mut data = Vec::new();
    r.take(len).read_to_end(&mut data)?;
    if data.len() as u64 != len {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Frame {
        kind: head[0],
        data,
    })
}

fn write_frame(w: &mut impl Write, kind: u8, parts: &[&[u8]]) -> std::io::Result<()> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    w.write_all(&[kind])?;
    w.write_all(&(len as u64).to_le_bytes())?;
    for p in parts {
        w.write_all(p)?;
    }
    w.flush()
}

/// The child's side: `render-pdf MEMORY_BYTES CPU_SECONDS MAX_PIXELS MAX_SIDE DPI`, talking over
/// stdin/stdout. Limits itself first, then renders pages on request until stdin closes. Returns the
/// process exit code.
///
/// Call it from `main` when the first argument is [`RENDER_PDF_ARG`], before anything else (no
/// threads, no logging), so the limits cover everything the renderer does.
pub fn render_pdf_main(args: &[String]) -> i32 {
    let num = |i: usize| args.get(i).and_then(|a| a.parse::<f64>().ok());
    let (Some(memory), Some(cpu), Some(max_pixels), Some(max_side), Some(dpi)) =
        (num(0), num(1), num(2), num(3), num(4))
    else {
        eprintln!("usage: render-pdf MEMORY_BYTES CPU_SECONDS MAX_PIXELS MAX_SIDE DPI (internal)");
        return 2;
    };
    if let Err(e) = limit_self(memory as u64, cpu as u64) {
        eprintln!("render-pdf: cannot set resource limits: {e}");
        return 3;
    }
    let limits = Limits {
        max_pixels: max_pixels as u64,
        max_side: max_side as u32,
        pdf_dpi: dpi as f32,
        ..Limits::default()
    };
    match serve(&mut std::io::stdin().lock(), &mut std::io::stdout().lock(), &limits) {
        Ok(()) => 0,
        Err(_) => 1,
    }
}

/// Address space: what the process maps now plus `memory`; CPU: `cpu` seconds (SIGXCPU), then a hard
/// stop one second later.
fn limit_self(memory: u64, cpu: u64) -> std::io::Result<()> {
    let mapped = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmSize:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(256 << 20);
    let address_space = mapped.saturating_add(memory);
    rlimit::setrlimit(rlimit::Resource::AS, address_space, address_space)?;
    rlimit::setrlimit(rlimit::Resource::CPU, cpu, cpu.saturating_add(1))?;
    Ok(())
}

fn serve(input: &mut impl Read, out: &mut impl Write, limits: &Limits) -> std::io::Result<()> {
    let mut len = [0u8; 8];
    input.read_exact(&mut len)?;
    let len = u64::from_le_bytes(len);
    let mut bytes = Vec::new();
    input.take(len).read_to_end(&mut bytes)?;
    let pdf = match InProcessPdf::open(&bytes) {
        Ok(p) => p,
        Err(e) => return write_frame(out, ERROR, &[e.to_string().as_bytes()]),
    };
    drop(bytes);
    let sizes: Vec<u8> = pdf
        .sizes()
        .iter()
        .flat_map(|&(w, h)| w.to_le_bytes().into_iter().chain(h.to_le_bytes()))
        .collect();
    write_frame(out, SIZES, &[&sizes])?;
    let mut index = [0u8; 4];
    while input.read_exact(&mut index).is_ok() {
        let i = u32::from_le_bytes(index) as usize;
        match pdf.render(i, limits) {
            Ok(img) => {
                let (w, h) = img.dimensions();
                write_frame(
                    out,
                    PAGE,
                    &[&w.to_le_bytes(), &h.to_le_bytes(), img.as_raw()],
                )?;
            }
            Err(e) => write_frame(out, ERROR, &[e.to_string().as_bytes()])?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_oversized_frames_are_refused() {
        let mut buf = Vec::new();
        write_frame(&mut buf, PAGE, &[&[1, 2], &[3]]).unwrap();
        let f = read_frame(&mut buf.as_slice(), 3).unwrap();
        assert_eq!((f.kind, f.data), (PAGE, vec![1, 2, 3]));
        assert!(read_frame(&mut buf.as_slice(), 2).is_err());
        assert!(read_frame(&mut &buf[..5], 3).is_err(), "cut short");
    }

    #[test]
    fn exit_statuses_name_the_limit() {
        let m = classify_exit(None, "memory allocation of 3221225472 bytes failed\n", None);
        assert!(matches!(m, InputError::OverBudget { resource: "memory" }));
        let s = classify_exit(None, "thread 'main' has overflowed its stack\n", None);
        assert!(s.to_string().contains("too deeply"));
    }

    #[test]
    fn the_child_protocol_serves_pages_in_process() {
        let pdf = crate::tests::build_pdf(&["0 0 0 rg 10 10 50 50 re f"], 200, 100);
        let mut input = Vec::new();
        input.extend_from_slice(&(pdf.len() as u64).to_le_bytes());
        input.extend_from_slice(&pdf);
        input.extend_from_slice(&0u32.to_le_bytes());
        input.extend_from_slice(&7u32.to_le_bytes());
        let mut out = Vec::new();
        serve(&mut input.as_slice(), &mut out, &Limits::default()).unwrap();
        let mut r = out.as_slice();
        let sizes = read_frame(&mut r, 1 << 20).unwrap();
        assert_eq!(sizes.kind, SIZES);
        assert_eq!(sizes.data.len(), 8);
        let page = read_frame(&mut r, 1 << 30).unwrap();
        assert_eq!(page.kind, PAGE);
        let w = u32::from_le_bytes(page.data[0..4].try_into().unwrap());
        assert_eq!(w, (200.0f64 * 200.0 / 72.0).floor() as u32);
        let missing = read_frame(&mut r, 1 << 20).unwrap();
        assert_eq!(missing.kind, ERROR, "page 7 of 1");
    }
}
