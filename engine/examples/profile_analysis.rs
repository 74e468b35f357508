//! Times analyses of a generated pathway, for profiling:
//! `cargo run --release -p engine --features testing --example profile_analysis -- STEPS ROUNDS [dense]`
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
    // A third argument `dense` profiles the dense-loop shape (most steps in one loop).
    let shape = match std::env::args().nth(3).as_deref() {
        Some("dense") => Shape::dense_loops(steps),
        _ => Shape::benchmark(steps),
    };
    let map = Arc::new(generated_pathway(shape, 42));
    let model = engine::analysis::flow::Model::new(&map).expect("one START");
    let largest = (0..model.components.len())
        .filter(|&c| model.is_loop(c))
        .map(|c| model.components[c].len())
        .max()
        .unwrap_or(0);
    eprintln!(
        "{} steps, {} transitions, largest loop {largest} steps",
        map.steps.len(),
        map.transitions.len()
    );
    let mut best = std::time::Duration::MAX;
    let mut hotspots = 0;
    let mut work = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let budget = engine::budget::Budget::unlimited();
        let a = engine::analysis::analyse_shared(map.clone(), Some(50.0), &budget)
            .expect("generated pathways are valid");
        best = best.min(t.elapsed());
        hotspots = a.hotspots.len();
        work = budget.spent();
    }
    eprintln!(
        "{steps} steps: best of {rounds} {best:?}, {hotspots} hotspots, {work} units of work"
    );
}
