//! Gives the macro an identity that changes with its code and the checker's, for its cache of
//! verdicts (`src/cache.rs`): a SHA-256 of this crate's sources and manifest and, where the
//! repository is checked out beside it (this workspace, a path or git dependency), of the
//! checker's (`migrate-lint`) and of `migrate-core`'s, exposed as `MIGRATE_MACROS_BUILD`. A
//! published crate's sources never change under its version (which the key holds too); a
//! checked-out one's do, and a verdict cached by an older checker or emitter must not be trusted
//! by a newer one.

use std::path::Path;

use sha2::{Digest, Sha256};

fn main() {
    let mut hasher = Sha256::new();
    for root in [
        "Cargo.toml",
        "src",
        "../migrate-lint/Cargo.toml",
        "../migrate-lint/src",
        "../migrate-core/src",
    ] {
        let path = Path::new(root);
        if path.exists() {
            println!("cargo:rerun-if-changed={root}");
            hash(path, &mut hasher);
        }
    }
    let digest: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    println!("cargo:rustc-env=MIGRATE_MACROS_BUILD={digest}");
}

/// Hashes a file (its path and bytes) or every file under a folder, in name order.
fn hash(path: &Path, hasher: &mut Sha256) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .expect("the crate's sources are readable")
            .map(|e| e.expect("the crate's sources are readable").path())
            .collect();
        entries.sort();
        for entry in entries {
            hash(&entry, hasher);
        }
    } else {
        hasher.update(path.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(path).expect("the crate's sources are readable"));
    }
}
