//! Compile-time subject (scripts/bench): the raw baseline with only the N=1000 set, i.e. the same
//! driver as ours (`postgres::Client`) and `include_str!` of each file, nothing checked.
#[path = "../../../tool-raw/src/run.rs"]
mod run;

static N1000: &[(i64, &str, &str)] = include!("../../../generated/n1000/raw.rs");

fn main() {
    let url = std::env::args().nth(1).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    run::run(&mut client, N1000);
}
