//! Small dense linear algebra for the inside of rework loops.
//!
//! Written by hand on purpose: the systems are the size of one loop (a handful of steps), so a
//! 60-line Gauss–Jordan elimination is all that is needed, and a general linear-algebra crate would
//! add more build time than the rest of the engine.

/// A square matrix in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct Square {
    n: usize,
    cells: Vec<f64>,
}

impl Square {
    /// The n×n identity.
    pub fn identity(n: usize) -> Self {
        let mut cells = vec![0.0; n * n];
        for i in 0..n {
            cells[i * n + i] = 1.0;
        }
        Self { n, cells }
    }

    pub fn size(&self) -> usize {
        self.n
    }

    pub fn get(&self, row: usize, col: usize) -> f64 {
        self.cells[row * self.n + col]
    }

    pub fn add(&mut self, row: usize, col: usize, value: f64) {
        self.cells[row * self.n + col] += value;
    }

    /// The inverse by Gauss–Jordan elimination with partial pivoting, or `None` when the matrix is
    /// singular (for `I - Q` of a loop: a loop with no way out). O(n³) time, O(n²) space.
    pub fn inverse(&self) -> Option<Square> {
        let n = self.n;
        let mut a = self.cells.clone();
        let mut inv = Square::identity(n).cells;
        for col in 0..n {
            let pivot =
                (col..n).max_by(|&x, &y| a[x * n + col].abs().total_cmp(&a[y * n + col].abs()))?;
            if a[pivot * n + col].abs() < 1e-12 {
                return None;
            }
            if pivot != col {
                for k in 0..n {
                    a.swap(pivot * n + k, col * n + k);
                    inv.swap(pivot * n + k, col * n + k);
                }
            }
            let d = a[col * n + col];
            for k in 0..n {
                a[col * n + k] /= d;
                inv[col * n + k] /= d;
            }
            for row in 0..n {
                if row == col {
                    continue;
                }
                let factor = a[row * n + col];
                if factor == 0.0 {
                    continue;
                }
                for k in 0..n {
                    a[row * n + k] -= factor * a[col * n + k];
                    inv[row * n + k] -= factor * inv[col * n + k];
                }
            }
        }
        Some(Square { n, cells: inv })
    }

    /// Solves `self · x = b`. O(n³).
    pub fn solve(&self, b: &[f64]) -> Option<Vec<f64>> {
        let inv = self.inverse()?;
        Some(
            (0..self.n)
                .map(|i| (0..self.n).map(|j| inv.get(i, j) * b[j]).sum())
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverts_and_solves_a_small_system() {
        // [[2, 1], [1, 3]] x = [3, 5]  =>  x = [0.8, 1.4]
        let mut m = Square::identity(2);
        m.add(0, 0, 1.0);
        m.add(0, 1, 1.0);
        m.add(1, 0, 1.0);
        m.add(1, 1, 2.0);
        let x = m.solve(&[3.0, 5.0]).unwrap();
        assert!(
            (x[0] - 0.8).abs() < 1e-12 && (x[1] - 1.4).abs() < 1e-12,
            "{x:?}"
        );
        let inv = m.inverse().unwrap();
        // inverse of [[2,1],[1,3]] is [[0.6,-0.2],[-0.2,0.4]]
        assert!((inv.get(0, 0) - 0.6).abs() < 1e-12 && (inv.get(0, 1) + 0.2).abs() < 1e-12);
    }

    #[test]
    fn a_singular_matrix_has_no_inverse() {
        let mut m = Square::identity(2);
        m.add(0, 1, 1.0);
        m.add(1, 0, 1.0);
        assert!(m.inverse().is_none());
    }
}
