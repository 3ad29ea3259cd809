//! Compile-time subject (scripts/bench): the tool-* program with only the N=1000 set.
static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("../../generated/n1000/ours");

fn main() {
    let url = std::env::args().nth(1).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    MIGRATIONS.run(&mut client).unwrap();
}
