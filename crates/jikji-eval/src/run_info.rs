//! What a report says about the run that produced it (command, date, machine, commit), and how a
//! generated block is kept inside a hand-written document.

/// The command line as typed (shell-quoted where needed; the program shown as `jikji`).
pub fn command_line() -> String {
    let mut args: Vec<String> = std::env::args().collect();
    if let Some(first) = args.first_mut() {
        if first.ends_with("/jikji") || first == "jikji" {
            *first = "jikji".into();
        }
    }
    args.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `a` as is when it needs no quoting in a POSIX shell, else in single quotes.
fn shell_quote(a: &str) -> String {
    if !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=,:@+".contains(c))
    {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// `YYYY-MM-DD HH:MM UTC` from the system clock.
pub fn utc_now() -> String {
    jikji_calendar::format_utc_now()
}

/// `nproc N, CPU MODEL, RAM N GiB, OS ARCH`.
pub fn machine() -> String {
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| format!(", RAM {:.0} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!(
        "nproc {nproc}, CPU {cpu}{mem_gib}, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// `abc1234` (with a note when the tree has uncommitted changes), or `unknown` outside a git checkout.
pub fn git_commit() -> String {
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match run(&["rev-parse", "--short", "HEAD"]) {
        Some(c) => {
            let dirty = run(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty {
                format!("{c} (working tree has uncommitted changes)")
            } else {
                c
            }
        }
        None => "unknown".into(),
    }
}

/// Replaces the text between `begin` and `end` markers in `existing` (markers kept), or appends a new
/// marked block when there are none.
pub fn splice_block(existing: &str, begin: &str, end: &str, block: &str) -> String {
    if let (Some(b), Some(e)) = (existing.find(begin), existing.find(end)) {
        if b < e {
            return format!("{}{begin}\n{block}{}", &existing[..b], &existing[e..]);
        }
    }
    let mut s = existing.trim_end().to_string();
    if !s.is_empty() {
        s.push_str("\n\n");
    }
    format!("{s}{begin}\n{block}{end}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_between_markers_or_appends() {
        let doc = "# A\nintro\n<!-- b -->\nold\n<!-- e -->\nfooter\n";
        assert_eq!(
            splice_block(doc, "<!-- b -->", "<!-- e -->", "new\n"),
            "# A\nintro\n<!-- b -->\nnew\n<!-- e -->\nfooter\n"
        );
        assert_eq!(
            splice_block("# A\n", "<!-- b -->", "<!-- e -->", "new\n"),
            "# A\n\n<!-- b -->\nnew\n<!-- e -->\n"
        );
    }

    #[test]
    fn arguments_are_quoted_only_when_needed() {
        assert_eq!(shell_quote("--out=ACCURACY.md"), "--out=ACCURACY.md");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn the_machine_line_names_cores_and_os() {
        let m = machine();
        assert!(m.starts_with("nproc "), "{m}");
        assert!(m.ends_with(std::env::consts::ARCH), "{m}");
    }
}
