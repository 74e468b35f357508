//! Times one analysis of a generated pathway: `cargo run --release -p engine --features testing
//! --example profile_analysis -- 100000` (for use under `perf record`).
use engine::testing::{Shape, generated_pathway};
use std::time::Instant;

fn main() {
    let steps: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let map = generated_pathway(Shape::benchmark(steps), 42);
    for _ in 0..3 {
        let t = Instant::now();
        let a = engine::analyse(&map, Some(50.0)).expect("generated pathways are valid");
        eprintln!(
            "{steps} steps: {:?}, {} hotspots",
            t.elapsed(),
            a.hotspots.len()
        );
    }
}
