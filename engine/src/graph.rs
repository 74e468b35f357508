//! The pathway as a graph of step indexes: adjacency lists and loops (strongly connected
//! components, found with petgraph), computed once and shared by validation and analysis.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

/// Per-step lists in two allocations (compressed sparse rows): `adjacency[s]` is a slice, in the
/// order items were given.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjacency {
    offsets: Vec<usize>,
    items: Vec<usize>,
}

impl Adjacency {
    /// Lists for `n` owners from `(owner, item)` pairs. O(n + pairs).
    pub fn new(n: usize, pairs: &[(usize, usize)]) -> Self {
        let mut offsets = vec![0usize; n + 1];
        for &(owner, _) in pairs {
            offsets[owner + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut next = offsets.clone();
        let mut items = vec![0usize; pairs.len()];
        for &(owner, item) in pairs {
            items[next[owner]] = item;
            next[owner] += 1;
        }
        Self { offsets, items }
    }
}

impl std::ops::Index<usize> for Adjacency {
    type Output = [usize];

    fn index(&self, owner: usize) -> &[usize] {
        &self.items[self.offsets[owner]..self.offsets[owner + 1]]
    }
}

/// Who follows whom, and the loops, of a pathway's steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Structure {
    /// Outgoing transitions of each step.
    pub outgoing: Adjacency,
    /// Strongly connected components in topological order (upstream first), each sorted.
    pub components: Vec<Vec<usize>>,
    /// The component of each step (an index into `components`).
    pub component_of: Vec<usize>,
}

impl Structure {
    /// The structure of `n` steps joined by transitions with these ends (`None`: a transition to
    /// drop). O(S + T): Tarjan's algorithm on a petgraph graph.
    pub fn new(n: usize, ends: &[Option<(usize, usize)>]) -> Self {
        let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(n, ends.len());
        let nodes: Vec<NodeIndex> = (0..n).map(|_| graph.add_node(())).collect();
        let mut out_pairs = Vec::with_capacity(ends.len());
        for (e, end) in ends.iter().enumerate() {
            if let Some((a, b)) = *end {
                graph.add_edge(nodes[a], nodes[b], ());
                out_pairs.push((a, e));
            }
        }
        // Tarjan yields components downstream first; reverse for topological order.
        let mut components: Vec<Vec<usize>> = tarjan_scc(&graph)
            .into_iter()
            .map(|c| {
                let mut c: Vec<usize> = c.into_iter().map(|n| n.index()).collect();
                c.sort_unstable();
                c
            })
            .collect();
        components.reverse();
        let mut component_of = vec![0; n];
        for (ci, c) in components.iter().enumerate() {
            for &s in c {
                component_of[s] = ci;
            }
        }
        Self {
            outgoing: Adjacency::new(n, &out_pairs),
            components,
            component_of,
        }
    }
}
