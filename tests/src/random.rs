//! Reproducible randomness for the tests that pick random cases: SplitMix64 from a seed that is
//! printed and can be overridden by an environment variable, so a failure found with one seed
//! can be run again.

/// SplitMix64 (Steele, Lea and Flood): small, fast, good enough to pick test cases.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded from the environment variable `variable` (a decimal number), or from
    /// `default`; prints the seed and how to reuse it.
    pub fn from_env(variable: &str, default: u64) -> Self {
        let seed = std::env::var(variable)
            .ok()
            .map(|v| {
                v.parse()
                    .unwrap_or_else(|_| panic!("{variable} must be a number, not {v:?}"))
            })
            .unwrap_or(default);
        eprintln!("seed {seed} (run again with {variable}={seed})");
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn bits(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.bits() % n as u64) as usize
    }

    /// Shuffles `items` (Fisher-Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }

    /// One of `items` (not empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}
