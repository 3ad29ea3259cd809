//! The same file saved with LF, CRLF, a BOM and both: each checks the same, its text is the
//! normalised one, and all four have the checksum of the LF file.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/pass_crlf_bom");

fn main() {
    let names: Vec<&str> = MIGRATIONS.iter().map(|m| m.name()).collect();
    assert_eq!(names, ["lf", "crlf", "bom", "bom_crlf"]);
    let lf = MIGRATIONS.get(1).unwrap();
    for m in &MIGRATIONS {
        assert_eq!(m.checksum(), lf.checksum(), "{}", m.name());
        assert_eq!(m.up().sql(), lf.up().sql(), "{}", m.name());
        assert!(!m.up().sql().contains('\r') && !m.up().sql().starts_with('\u{feff}'));
        assert_eq!(m.up().statements().len(), 1);
        assert_eq!(m.up().body(), lf.up().body());
        assert_eq!(m.up().line_col(m.up().body().0), (4, 1));
    }
    assert_eq!(lf.checksum().len(), 64);
}
