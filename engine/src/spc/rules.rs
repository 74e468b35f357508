//! The special-cause rules of an XmR chart, each a pure function over one group's points, with the
//! semantics of NHSRplotthedots (the reference implementation of Making Data Count).

use serde::Serialize;

/// Why a point is special, in priority order: outside the limits > trend > two-in-three > shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Rule {
    AboveUpperLimit,
    BelowLowerLimit,
    TrendIncreasing,
    TrendDecreasing,
    TwoInThreeAbove,
    TwoInThreeBelow,
    ShiftAbove,
    ShiftBelow,
    CommonCause,
}

impl Rule {
    /// +1 for a rule pointing up, −1 down, 0 for common cause.
    pub fn sign(self) -> i8 {
        match self {
            Rule::AboveUpperLimit
            | Rule::TrendIncreasing
            | Rule::TwoInThreeAbove
            | Rule::ShiftAbove => 1,
            Rule::BelowLowerLimit
            | Rule::TrendDecreasing
            | Rule::TwoInThreeBelow
            | Rule::ShiftBelow => -1,
            Rule::CommonCause => 0,
        }
    }

    /// The label NHSRplotthedots gives, with the rule lengths in use (7 by default).
    pub fn label(self, trend: usize, shift: usize) -> String {
        match self {
            Rule::AboveUpperLimit => "Above UCL".into(),
            Rule::BelowLowerLimit => "Below LCL".into(),
            Rule::TrendIncreasing => format!("{trend} Point Trend (Increasing)"),
            Rule::TrendDecreasing => format!("{trend} Point Trend (Decreasing)"),
            Rule::TwoInThreeAbove => "2 in 3 Above CL".into(),
            Rule::TwoInThreeBelow => "2 in 3 Below CL".into(),
            Rule::ShiftAbove => format!("{shift} Points Above CL"),
            Rule::ShiftBelow => format!("{shift} Points Below CL"),
            Rule::CommonCause => "Common Cause".into(),
        }
    }
}

/// Shift detector: at each point, ±1 when it and the `n − 1` points before it all lie on the same
/// side of the mean (a point on the mean, sign 0, breaks the run), else 0. O(points).
pub fn run_one_side(relative_to_mean: &[i8], n: usize) -> Vec<i8> {
    let mut out = vec![0; relative_to_mean.len()];
    let mut run = 0usize;
    for i in 0..relative_to_mean.len() {
        let s = relative_to_mean[i];
        run = if s != 0 && i > 0 && relative_to_mean[i - 1] == s {
            run + 1
        } else if s != 0 {
            1
        } else {
            0
        };
        if run >= n {
            out[i] = s;
        }
    }
    out
}

/// Trend detector: at each point, ±1 when it ends `n` points in a row that strictly increase
/// (decrease); an equal pair breaks it. O(points).
pub fn trend(values: &[f64], n: usize) -> Vec<i8> {
    let mut out = vec![0; values.len()];
    let (mut up, mut down) = (1usize, 1usize);
    for i in 1..values.len() {
        if values[i] > values[i - 1] {
            up += 1;
            down = 1;
        } else if values[i] < values[i - 1] {
            down += 1;
            up = 1;
        } else {
            up = 1;
            down = 1;
        }
        if n >= 2 && up >= n {
            out[i] = 1;
        } else if n >= 2 && down >= n {
            out[i] = -1;
        }
    }
    out
}

/// Marks every point of a detected run: a point is part of it when it, or one of the next
/// `n − 1` points, was flagged by the detector. O(points).
pub fn part_of_run(flags: &[i8], n: usize) -> Vec<bool> {
    let mut out = vec![false; flags.len()];
    let mut last_flag: Option<usize> = None;
    for i in (0..flags.len()).rev() {
        if flags[i] != 0 {
            last_flag = Some(i);
        }
        out[i] = last_flag.is_some_and(|j| j - i < n.max(1));
    }
    out
}

/// Two-in-three windows: a point is in one when some window of 3 consecutive points containing it
/// has at least 2 points close to the limits and all 3 on the same side of the mean. O(points).
pub fn two_in_three_windows(close: &[bool], relative_to_mean: &[i8]) -> Vec<bool> {
    let n = close.len();
    let window = |start: usize| -> bool {
        if start + 3 > n {
            return false;
        }
        let closes = (start..start + 3).filter(|&i| close[i]).count();
        let side: i32 = (start..start + 3).map(|i| relative_to_mean[i] as i32).sum();
        closes >= 2 && side.abs() == 3
    };
    (0..n)
        .map(|i| (i.saturating_sub(2)..=i).any(window))
        .collect()
}

/// The points a two-in-three rule flags: those in a window that are themselves close to the
/// limits. O(points).
pub fn two_in_three(close: &[bool], relative_to_mean: &[i8]) -> Vec<bool> {
    two_in_three_windows(close, relative_to_mean)
        .into_iter()
        .zip(close)
        .map(|(window, &c)| window && c)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shift_needs_n_points_on_one_side() {
        assert_eq!(run_one_side(&[1, 1, 1, 1, 1, 1], 7), vec![0; 6]);
        assert_eq!(
            run_one_side(&[1, 1, 1, 1, 1, 1, 1, 1, -1], 7),
            vec![0, 0, 0, 0, 0, 0, 1, 1, 0]
        );
        assert_eq!(
            run_one_side(&[1, 1, 1, 0, 1, 1, 1, 1], 4),
            vec![0, 0, 0, 0, 0, 0, 0, 1]
        );
    }

    #[test]
    fn a_trend_is_strict() {
        assert_eq!(
            trend(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], 7),
            vec![0, 0, 0, 0, 0, 0, 1]
        );
        assert_eq!(trend(&[1.0, 2.0, 3.0, 3.0, 4.0, 5.0, 6.0], 7), vec![0; 7]);
        assert_eq!(
            trend(&[7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0], 7),
            vec![0, 0, 0, 0, 0, 0, -1, -1]
        );
    }

    #[test]
    fn part_of_run_marks_the_trigger_and_its_predecessors() {
        assert_eq!(
            part_of_run(&[0, 0, 0, 0, 0, 0, 1, 0], 7),
            vec![true, true, true, true, true, true, true, false]
        );
        assert_eq!(
            part_of_run(&[0, 0, 0, 0, 0, 0, 0, 1, 0], 7),
            vec![false, true, true, true, true, true, true, true, false]
        );
    }
}
