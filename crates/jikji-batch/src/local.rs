//! Local folders: listing, bounded reads, atomic writes.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::spec::{absolute, check_relative, is_input_name};
use crate::BatchError;

/// Every input file under `root` as `/`-separated paths relative to it, sorted. Hidden entries
/// (names starting with `.`) are skipped and symbolic links are not followed (a link could lead
/// out of the folder or into a loop); names that are not UTF-8 are skipped. More than `max`
/// inputs is an error.
pub fn list_folder(root: &Path, max: usize) -> Result<Vec<String>, BatchError> {
    let meta = std::fs::metadata(root).map_err(BatchError::io("reading the input folder"))?;
    if !meta.is_dir() {
        return Err(BatchError::Invalid("the input folder is not a directory".into()));
    }
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(BatchError::io("listing the input folder"))?;
        for entry in entries {
            let entry = entry.map_err(BatchError::io("listing the input folder"))?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            let kind = entry
                .file_type()
                .map_err(BatchError::io("listing the input folder"))?;
            let rel_name = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if kind.is_dir() {
                stack.push((entry.path(), rel_name));
            } else if kind.is_file() && is_input_name(&rel_name) {
                out.push(rel_name);
                if out.len() > max {
                    return Err(BatchError::Invalid(format!(
                        "the input folder holds more than {max} inputs; split it into several jobs"
                    )));
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A list of files as a root (their deepest common folder) and names relative to it, in the
/// order given. Every file must exist and be a regular file; duplicates are an error (each input
/// has exactly one result).
pub fn resolve_files(files: &[PathBuf], max: usize) -> Result<(PathBuf, Vec<String>), BatchError> {
    if files.is_empty() {
        return Err(BatchError::Invalid("the list of files is empty".into()));
    }
    if files.len() > max {
        return Err(BatchError::Invalid(format!(
            "the list holds {} files; at most {max} are allowed in one job",
            files.len()
        )));
    }
    let abs: Vec<PathBuf> = files.iter().map(|f| absolute(f)).collect::<Result<_, _>>()?;
    for f in &abs {
        let meta = std::fs::symlink_metadata(f).map_err(BatchError::io("reading an input file"))?;
        if !meta.is_file() {
            return Err(BatchError::Invalid(
                "an entry of the list of files is not a regular file".into(),
            ));
        }
    }
    let mut root = abs[0].parent().map(Path::to_path_buf).unwrap_or_default();
    for f in &abs[1..] {
        while !f.starts_with(&root) {
            if !root.pop() {
                break;
            }
        }
    }
    let mut names = Vec::with_capacity(abs.len());
    let mut seen = std::collections::HashSet::new();
    for f in &abs {
        let rel = f
            .strip_prefix(&root)
            .ok()
            .and_then(|r| r.to_str())
            .map(|r| r.replace(std::path::MAIN_SEPARATOR, "/"))
            .ok_or_else(|| BatchError::Invalid("an input file name is not UTF-8".into()))?;
        check_relative(&rel)?;
        if !seen.insert(rel.clone()) {
            return Err(BatchError::Invalid("the list of files names a file twice".into()));
        }
        names.push(rel);
    }
    Ok((root, names))
}

/// `root/rel`, refusing names that would leave `root`.
pub fn join(root: &Path, rel: &str) -> Result<PathBuf, BatchError> {
    check_relative(rel)?;
    Ok(root.join(rel))
}

/// Reads `root/rel`, at most `limit` bytes (larger: [`BatchError::TooLarge`], nothing read).
pub fn read(root: &Path, rel: &str, limit: u64) -> Result<Vec<u8>, BatchError> {
    let path = join(root, rel)?;
    let file = std::fs::File::open(&path).map_err(BatchError::io("opening an input file"))?;
    let size = file
        .metadata()
        .map_err(BatchError::io("reading an input file"))?
        .len();
    if size > limit {
        return Err(BatchError::TooLarge { size, limit });
    }
    let mut buf = Vec::with_capacity(size as usize);
    // `take` bounds the read even if the file grew after the size check.
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(BatchError::io("reading an input file"))?;
    if buf.len() as u64 > limit {
        return Err(BatchError::TooLarge {
            size: buf.len() as u64,
            limit,
        });
    }
    Ok(buf)
}

/// Writes `root/rel` atomically: the bytes go to a temporary file beside it, which is then
/// renamed over the name. A reader never sees half a result, and writing the same name again
/// replaces it (one result per input however often an item is retried).
pub fn write(root: &Path, rel: &str, bytes: &[u8]) -> Result<(), BatchError> {
    let path = join(root, rel)?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(BatchError::io("creating the output folder"))?;
    }
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| BatchError::Invalid("an output name is empty".into()))?;
    let tmp = path.with_file_name(format!(
        ".{file_name}.{}.tmp",
        uuid::Uuid::new_v4().simple()
    ));
    let result = std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(BatchError::io("writing a result file"));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_inputs_only_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("b/c")).unwrap();
        std::fs::create_dir_all(d.join(".git")).unwrap();
        for f in ["z.png", "b/a.JPG", "b/c/x.pdf", "notes.txt", ".hidden.png", ".git/y.png", "b/r.jpg.json"] {
            std::fs::write(d.join(f), b"x").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(d.join("z.png"), d.join("link.png")).unwrap();
        assert_eq!(list_folder(d, 10).unwrap(), vec!["b/a.JPG", "b/c/x.pdf", "z.png"]);
        assert!(list_folder(d, 2).is_err(), "over the bound");
        assert!(list_folder(&d.join("z.png"), 10).is_err(), "not a folder");
    }

    #[test]
    fn files_get_a_common_root() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("a/b")).unwrap();
        std::fs::create_dir_all(d.join("c")).unwrap();
        std::fs::write(d.join("a/b/1.png"), b"1").unwrap();
        std::fs::write(d.join("c/2.png"), b"2").unwrap();
        let (root, names) =
            resolve_files(&[d.join("a/b/1.png"), d.join("c/2.png")], 10).unwrap();
        assert_eq!(root, d);
        assert_eq!(names, vec!["a/b/1.png", "c/2.png"]);
        let (root, names) = resolve_files(&[d.join("c/2.png")], 10).unwrap();
        assert_eq!((root, names), (d.join("c"), vec!["2.png".to_string()]));
        assert!(resolve_files(&[d.join("c/2.png"), d.join("c/../c/2.png")], 10).is_err());
        assert!(resolve_files(&[d.join("missing.png")], 10).is_err());
        assert!(resolve_files(&[], 10).is_err());
    }

    #[test]
    fn bounded_read_and_atomic_write() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(d, "out/x.png.json", b"{}").unwrap();
        write(d, "out/x.png.json", b"{\"a\":1}").unwrap();
        assert_eq!(std::fs::read(d.join("out/x.png.json")).unwrap(), b"{\"a\":1}");
        assert_eq!(std::fs::read_dir(d.join("out")).unwrap().count(), 1, "no temporary left");
        assert_eq!(read(d, "out/x.png.json", 7).unwrap(), b"{\"a\":1}");
        assert!(matches!(read(d, "out/x.png.json", 6), Err(BatchError::TooLarge { size: 7, .. })));
        assert!(read(d, "../x", 100).is_err());
    }
}
