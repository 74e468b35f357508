//! Times analyses of a generated pathway, for profiling:
//! `cargo run --release -p engine --features testing --example profile_analysis -- STEPS ROUNDS`
//! (run it under `perf record` to see where the time goes).

use engine::testing::{Shape, generated_pathway};
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let arg = |i: usize, default: usize| {
        std::env::args()
            .nth(i)
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let (steps, rounds) = (arg(1, 1000), arg(2, 3).max(1));
    let map = Arc::new(generated_pathway(Shape::benchmark(steps), 42));
    let mut best = std::time::Duration::MAX;
    let mut hotspots = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let a = engine::analysis::analyse_shared(map.clone(), Some(50.0))
            .expect("generated pathways are valid");
        best = best.min(t.elapsed());
        hotspots = a.hotspots.len();
    }
    eprintln!("{steps} steps: best of {rounds} {best:?}, {hotspots} hotspots");
}
