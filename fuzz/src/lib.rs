//! Shared helpers for Jikji's fuzz targets (see `docs/fuzzing.md`).
//!
//! The one piece of policy here is [`install_panic_policy`]. `jikji_image`
//! runs every third-party decoder under `catch_unwind` and turns a panic into
//! an `InputError::Corrupt`, so a decoder panic is *handled* in production.
//! libFuzzer's default hook aborts on every panic, which would stop each run
//! at the first known-handled decoder panic and hide everything behind it.
//! So the policy is:
//!
//! * a panic whose location is in **Jikji's own code or the standard
//!   library** (an `unwrap`, an index, an overflow under `-a`, a capacity
//!   overflow) aborts, exactly as libFuzzer expects: that is a finding to fix;
//! * a panic located in a **third-party crate** (anything under the cargo
//!   registry) is reported once per location on stderr, its input saved
//!   under `$JIKJI_FUZZ_PANIC_DIR` (default `third-party-panics/`), and the
//!   run continues, as production would (the panic becomes a clean error).
//!   These are findings to report upstream, listed in `docs/fuzzing.md`.

use std::cell::RefCell;
use std::collections::HashSet;
use std::panic::{self, PanicHookInfo};
use std::sync::Mutex;

thread_local! {
    static CURRENT_INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// Remembers the input being run, so a third-party panic can save it.
pub fn set_current_input(data: &[u8]) {
    CURRENT_INPUT.with(|c| {
        let mut c = c.borrow_mut();
        c.clear();
        c.extend_from_slice(data);
    });
}

/// True when `file` (a panic location) is inside a crate from the registry.
fn is_third_party(file: &str) -> bool {
    file.contains(".cargo/registry/") || file.contains("/cargo/registry/")
}

/// Installs the policy described in the module docs. Call it from the
/// target's `init:` block (after libfuzzer-sys has installed its hook).
pub fn install_panic_policy(target: &'static str) {
    let abort_hook = panic::take_hook();
    panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
        let loc = info
            .location()
            .map(|l| (l.file().to_string(), l.line()))
            .unwrap_or_default();
        if !is_third_party(&loc.0) {
            abort_hook(info);
            return;
        }
        let key = format!("{}:{}", loc.0, loc.1);
        let first = {
            let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
            seen.get_or_insert_with(HashSet::new).insert(key.clone())
        };
        if first {
            let dir = std::env::var("JIKJI_FUZZ_PANIC_DIR")
                .unwrap_or_else(|_| "third-party-panics".into());
            let _ = std::fs::create_dir_all(&dir);
            let name = key
                .rsplit("/src/")
                .next()
                .unwrap_or(&key)
                .replace(['/', ':'], "_");
            let path = format!("{dir}/{target}-{name}");
            CURRENT_INPUT.with(|c| {
                let _ = std::fs::write(&path, &*c.borrow());
            });
            eprintln!("jikji-fuzz: third-party panic at {key} (handled by catch_unwind in production); input saved to {path}");
        }
    }));
}
