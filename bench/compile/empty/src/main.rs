//! The floor of the compile-time measurement: a binary crate that embeds nothing.
fn main() {
    println!("{}", std::env::args().count());
}
