//! Compile-time subject (scripts/bench): the tool-* program with only the N=1000 set.
refinery::embed_migrations!("../../generated/n1000/refinery");

fn main() {
    let url = std::env::args().nth(1).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    migrations::runner().run(&mut client).unwrap();
}
