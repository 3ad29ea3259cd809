//! Rebuilds the application when a file of `migrations/` is added, changed or removed, so
//! `embed_migrations!` never embeds a stale folder.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
