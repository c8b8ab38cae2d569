//! A small deterministic generator for the property tests (in this crate and in `tests/`):
//! xorshift64*, seeded, so a failing case reproduces. Not for anything that must be
//! unpredictable (see `cache::write::random_u64`).

/// xorshift64*: small, deterministic, good enough to explore inputs.
pub struct Rng(pub u64);

impl Rng {
    /// A seed from `MOTD_STATUS_SEED`, else `default`.
    pub fn seeded(default: u64) -> Rng {
        Rng(env_u64("MOTD_STATUS_SEED", default))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// How many cases a property test runs: `MOTD_STATUS_CASES`, else `default`.
pub fn cases(default: u64) -> u64 {
    env_u64("MOTD_STATUS_CASES", default)
}

/// A number of the environment, for the property tests: a value that does not parse fails
/// the test rather than running a default quietly.
fn env_u64(var: &str, default: u64) -> u64 {
    crate::env::parse(var, |v| v.parse::<u64>().map_err(|e| e.to_string()))
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or(default)
}
