//! Small dense linear algebra for the inside of rework loops.
//!
//! Written by hand on purpose: the systems are the size of one loop (a handful of steps in real
//! pathways, at most 1,000 in a document), so Gauss–Jordan and Gaussian elimination are all that
//! is needed; a general linear-algebra crate would add more build time than the rest of the
//! engine, and could not stop part-way when a request's budget runs out.

use crate::budget::{Budget, Stopped};

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

    /// The inverse by Gauss–Jordan elimination with partial pivoting: `Ok(None)` when the matrix
    /// is singular (for `I - Q` of a loop: a loop with no way out), `Err` when `budget` runs out
    /// first. About 1.5·n³ multiply-adds (charged column by column), O(n²) space.
    pub fn inverse(&self, budget: &Budget) -> Result<Option<Square>, Stopped> {
        let n = self.n;
        let mut a = self.cells.clone();
        let mut inv = Square::identity(n).cells;
        let mut pivot_a = vec![0.0; n];
        let mut pivot_inv = vec![0.0; n];
        for col in 0..n {
            budget.charge((n * (2 * n - col)) as u64)?;
            let Some(pivot) =
                (col..n).max_by(|&x, &y| a[x * n + col].abs().total_cmp(&a[y * n + col].abs()))
            else {
                return Ok(None);
            };
            if a[pivot * n + col].abs() < 1e-12 {
                return Ok(None);
            }
            if pivot != col {
                for k in 0..n {
                    a.swap(pivot * n + k, col * n + k);
                    inv.swap(pivot * n + k, col * n + k);
                }
            }
            let d = a[col * n + col];
            // Columns left of `col` are already eliminated (zero in every row but their own), so
            // the rows of `a` are updated from `col` on only.
            for k in col..n {
                a[col * n + k] /= d;
                pivot_a[k] = a[col * n + k];
            }
            for k in 0..n {
                inv[col * n + k] /= d;
                pivot_inv[k] = inv[col * n + k];
            }
            for row in 0..n {
                let factor = a[row * n + col];
                if row == col || factor == 0.0 {
                    continue;
                }
                let row_a = &mut a[row * n + col..(row + 1) * n];
                for (x, p) in row_a.iter_mut().zip(&pivot_a[col..]) {
                    *x -= factor * p;
                }
                let row_inv = &mut inv[row * n..(row + 1) * n];
                for (x, p) in row_inv.iter_mut().zip(&pivot_inv) {
                    *x -= factor * p;
                }
            }
        }
        Ok(Some(Square { n, cells: inv }))
    }

    /// Solves `self · x = b` by Gaussian elimination with partial pivoting: `Ok(None)` when the
    /// matrix is singular. About n³/3 multiply-adds (a sixth of [`Square::inverse`]), O(n²) space.
    pub fn solve(&self, b: &[f64], budget: &Budget) -> Result<Option<Vec<f64>>, Stopped> {
        let n = self.n;
        let mut a = self.cells.clone();
        let mut x = b.to_vec();
        for col in 0..n {
            budget.charge(((n - col) * (n - col)) as u64)?;
            let Some(pivot) =
                (col..n).max_by(|&p, &q| a[p * n + col].abs().total_cmp(&a[q * n + col].abs()))
            else {
                return Ok(None);
            };
            if a[pivot * n + col].abs() < 1e-12 {
                return Ok(None);
            }
            if pivot != col {
                for k in col..n {
                    a.swap(pivot * n + k, col * n + k);
                }
                x.swap(pivot, col);
            }
            let (upper, lower) = a.split_at_mut((col + 1) * n);
            let pivot_row = &upper[col * n + col..];
            for row in 0..n - col - 1 {
                let target = &mut lower[row * n + col..(row + 1) * n];
                let factor = target[0] / pivot_row[0];
                if factor == 0.0 {
                    continue;
                }
                for (t, p) in target.iter_mut().zip(pivot_row) {
                    *t -= factor * p;
                }
                x[col + 1 + row] -= factor * x[col];
            }
        }
        for col in (0..n).rev() {
            let tail: f64 = (col + 1..n).map(|k| a[col * n + k] * x[k]).sum();
            x[col] = (x[col] - tail) / a[col * n + col];
        }
        Ok(Some(x))
    }

    /// The transpose.
    pub fn transposed(&self) -> Square {
        let n = self.n;
        let mut cells = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                cells[j * n + i] = self.cells[i * n + j];
            }
        }
        Square { n, cells }
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
        let x = m.solve(&[3.0, 5.0], &Budget::unlimited()).unwrap().unwrap();
        assert!(
            (x[0] - 0.8).abs() < 1e-12 && (x[1] - 1.4).abs() < 1e-12,
            "{x:?}"
        );
        let inv = m.inverse(&Budget::unlimited()).unwrap().unwrap();
        // inverse of [[2,1],[1,3]] is [[0.6,-0.2],[-0.2,0.4]]
        assert!((inv.get(0, 0) - 0.6).abs() < 1e-12 && (inv.get(0, 1) + 0.2).abs() < 1e-12);
    }

    #[test]
    fn elimination_agrees_with_the_inverse_on_a_larger_system_and_stops_on_budget() {
        // A 30×30 diagonally dominant system with a known solution x_i = i.
        let n = 30;
        let mut m = Square::identity(n);
        for i in 0..n {
            m.add(i, i, 5.0);
            m.add(i, (i * 7 + 3) % n, 0.7);
            m.add((i * 11 + 5) % n, i, -0.4);
        }
        let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let b: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| m.get(i, j) * x[j]).sum())
            .collect();
        let solved = m.solve(&b, &Budget::unlimited()).unwrap().unwrap();
        let inv = m.inverse(&Budget::unlimited()).unwrap().unwrap();
        for i in 0..n {
            let via_inverse: f64 = (0..n).map(|j| inv.get(i, j) * b[j]).sum();
            assert!((solved[i] - x[i]).abs() < 1e-9, "{i}: {}", solved[i]);
            assert!((via_inverse - x[i]).abs() < 1e-9, "{i}: {via_inverse}");
        }
        assert_eq!(
            m.transposed().get(3, (3 * 7 + 3) % n),
            m.get((3 * 7 + 3) % n, 3)
        );
        assert_eq!(m.inverse(&Budget::with_limit(100)), Err(Stopped));
    }

    #[test]
    fn a_singular_matrix_has_no_inverse() {
        let mut m = Square::identity(2);
        m.add(0, 1, 1.0);
        m.add(1, 0, 1.0);
        assert!(m.inverse(&Budget::unlimited()).unwrap().is_none());
        assert!(
            m.solve(&[1.0, 1.0], &Budget::unlimited())
                .unwrap()
                .is_none()
        );
    }
}
