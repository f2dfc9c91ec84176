//! Reading a PDF back with poppler's command-line tools (Debian `poppler-utils`), for the tests of
//! every crate that writes searchable PDFs: the text layer is only right if a real reader finds it.

use std::process::Command;

/// Whether `pdftotext` is installed. When it is not, a test should skip with a notice — unless
/// `JIKJI_REQUIRE_MODELS=1` or `JIKJI_REQUIRE_POPPLER=1` (CI, which installs `poppler-utils`), where
/// this panics so the test fails.
pub fn available() -> bool {
    let present = Command::new("pdftotext").arg("-v").output().is_ok();
    if !present {
        for var in ["JIKJI_REQUIRE_MODELS", "JIKJI_REQUIRE_POPPLER"] {
            assert!(
                std::env::var(var).as_deref() != Ok("1"),
                "{var}=1 but pdftotext is missing (apt-get install poppler-utils)"
            );
        }
        eprintln!("NOTICE: pdftotext absent — searchable-PDF checks skipped");
    }
    present
}

/// Runs `tool` (`pdftotext`, `pdftoppm`, …) with `args`, then the PDF's path, then `tail` (e.g.
/// `-` for stdout); panics unless it succeeds without a word on stderr (poppler reports every
/// syntax error there). Returns stdout.
pub fn run(tool: &str, args: &[&str], pdf: &[u8], tail: &[&str]) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("jikji-poppler-{}-{:?}", std::process::id(), std::thread::current().id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let input = dir.join("in.pdf");
    std::fs::write(&input, pdf).expect("writing the PDF");
    let out = Command::new(tool)
        .args(args)
        .arg(&input)
        .args(tail)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{tool} failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{tool} complained: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// `pdftotext -raw -enc UTF-8`: the text in content-stream order (the OCR's reading order), pages
/// separated by form feeds.
pub fn text(pdf: &[u8]) -> String {
    String::from_utf8(run("pdftotext", &["-raw", "-enc", "UTF-8"], pdf, &["-"])).expect("UTF-8 text")
}

/// The comparison the searchable PDF is held to: lines with runs of whitespace made one space and
/// leading/trailing whitespace removed; empty lines (pdftotext ends pages with a form feed and a
/// blank line) dropped.
pub fn lines(text: &str) -> Vec<String> {
    text.split(['\n', '\u{c}'])
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect()
}
